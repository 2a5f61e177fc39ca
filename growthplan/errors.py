"""One error shape for the API: 400 with `errors` keyed by field; domain refusals by code."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A refusal the user can act on; `code` is stable for API clients."""

    code = "domain_error"
    status_code = status.HTTP_409_CONFLICT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InUseError(DomainError):
    code = "in_use"


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == NON_FIELD_ERRORS else k): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response({"errors": django_errors(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        exc = InUseError(
            "still in use by "
            + ", ".join(sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects}))
        )
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status_code)
    response = exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, dict):
        response.data = {"errors": response.data}
    return response
