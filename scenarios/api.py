"""Scenario API: create, read, export, run, apply and compare what-ifs (DESIGN §4; validate →
call → serialize).

A scenario is created from its file, the body of the request as `scenario run` reads it; the
file's problems come back as 400 `{"errors": {path: [messages]}}`, each path a key of the file
(`changes[0].add_provider.fte`). Marketing and operations create and run scenarios; only
operations apply one; the board reads."""

from __future__ import annotations

from collections import defaultdict

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from growthplan.errors import DomainError
from growthplan.frames import records
from growthplan.permissions import requires
from scenarios import charts, compute, selectors, services
from scenarios.models import Scenario
from scenarios.serializers import (
    ScenarioCompareSerializer,
    ScenarioDetailSerializer,
    ScenarioFileSerializer,
    ScenarioRowSerializer,
)

MAX_COMPARED = 3

REFUSAL = OpenApiResponse(description='A refusal: {"code": ..., "detail": ...}')
BAD_FILE = OpenApiResponse(description='The file\'s problems: {"errors": {path: [messages]}}')


def _file_errors(exc: compute.ScenarioError) -> serializers.ValidationError:
    """The scenario file's problems keyed by their path in the file, for the API's 400."""
    errors: dict[str, list[str]] = defaultdict(list)
    for path, message in exc.problems:
        errors[path or "non_field_errors"].append(message)
    return serializers.ValidationError(dict(errors))


def _scenario_get(request: Request, scenario_id: int) -> Scenario:
    return get_object_or_404(selectors.scenario_list(user=request.user), pk=scenario_id)


def _detail(scenario: Scenario, **kwargs) -> Response:
    """The scenario's detail, with whether its results are stale and what changed."""
    staleness = selectors.scenario_staleness(scenario=scenario)
    return Response(
        ScenarioDetailSerializer(scenario, context={"staleness": staleness}).data, **kwargs
    )


def _save(request: Request, scenario: Scenario | None = None) -> Scenario:
    try:
        return services.scenario_save(
            document=request.data, user=request.user, today=timezone.localdate(),
            scenario=scenario,
        )  # fmt: skip
    except compute.ScenarioError as exc:
        raise _file_errors(exc) from None


class ScenarioListApi(generics.ListAPIView):
    """GET: the stored scenarios. POST: create one from its scenario file (the request body, as
    `scenario run` reads it); nothing is written when the file has problems."""

    serializer_class = ScenarioRowSerializer
    parser_classes = [JSONParser]
    ordering_fields = ["updated_at", "name", "ran_at"]

    def get_queryset(self):
        # `is_current` compares the run's file with the file: load both, not the snapshot.
        return selectors.scenario_list(user=self.request.user).defer(None).defer("network_snapshot")

    @extend_schema(
        request=ScenarioFileSerializer,
        responses={201: ScenarioDetailSerializer, 400: BAD_FILE},
    )
    def post(self, request: Request) -> Response:
        return _detail(_save(request), status=status.HTTP_201_CREATED)


class ScenarioDetailApi(APIView):
    """GET: a scenario with its file, problems, progress and results. PUT: replace its file
    (the results stay until the next run, no longer current). DELETE: forget it."""

    queryset = Scenario.objects.none()  # the model for RoleModelPermissions
    parser_classes = [JSONParser]

    @extend_schema(responses=ScenarioDetailSerializer)
    def get(self, request: Request, scenario_id: int) -> Response:
        return _detail(_scenario_get(request, scenario_id))

    @extend_schema(
        request=ScenarioFileSerializer,
        responses={200: ScenarioDetailSerializer, 400: BAD_FILE, 409: REFUSAL},
    )
    def put(self, request: Request, scenario_id: int) -> Response:
        return _detail(_save(request, _scenario_get(request, scenario_id)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, scenario_id: int) -> Response:
        services.scenario_delete(scenario=_scenario_get(request, scenario_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScenarioFileApi(APIView):
    """The scenario file exactly as stored (DESIGN §4): POST it to /api/scenarios/ to copy it,
    or give it to `manage.py scenario run`."""

    queryset = Scenario.objects.none()

    @extend_schema(responses=ScenarioFileSerializer)
    def get(self, request: Request, scenario_id: int) -> Response:
        scenario = _scenario_get(request, scenario_id)
        slug = "".join(c if c.isalnum() else "-" for c in scenario.name.lower()).strip("-")
        return Response(
            scenario.document,
            headers={
                "Content-Disposition": f'inline; filename="scenario-{slug or scenario.pk}.json"'
            },
        )


class ScenarioRunApi(APIView):
    """Queue a run of the scenario as it is now (202); its detail shows the progress, then the
    results beside the current plan."""

    permission_classes = [requires("scenarios.change_scenario")]

    @extend_schema(request=None, responses={202: ScenarioRowSerializer, 409: REFUSAL})
    def post(self, request: Request, scenario_id: int) -> Response:
        scenario = services.scenario_run_enqueue(scenario=_scenario_get(request, scenario_id))
        return Response(ScenarioRowSerializer(scenario).data, status=status.HTTP_202_ACCEPTED)


class ScenarioInvalid(DomainError):
    """The scenario no longer reads as it did at its run (a change's date has passed)."""

    code = "scenario_invalid"


class ScenarioApplyApi(APIView):
    """Operations write the scenario's changes to the network, in one transaction, kept in the
    network imports' history. Refused (409, with a `code`) when it was not run, is applied
    already, or when the network or the file changed since its run (`scenario_stale`, the
    detail naming what changed)."""

    permission_classes = [requires("scenarios.apply_scenario")]

    @extend_schema(request=None, responses={200: ScenarioDetailSerializer, 409: REFUSAL})
    def post(self, request: Request, scenario_id: int) -> Response:
        scenario = _scenario_get(request, scenario_id)
        try:
            scenario = services.scenario_apply(
                scenario=scenario, user=request.user, today=timezone.localdate()
            )
        except compute.ScenarioError as exc:
            # The run's checks no longer hold (a date passed): a refusal, not bad input.
            raise ScenarioInvalid("; ".join(exc.lines())) from None
        return _detail(scenario)


class CompareQuerySerializer(serializers.Serializer):
    ids = serializers.CharField(help_text=f"up to {MAX_COMPARED} scenario ids, e.g. 1,2,3")

    def validate_ids(self, value: str) -> list[int]:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.isdigit() for p in parts) or not parts:
            raise serializers.ValidationError("expected scenario ids separated by commas")
        ids = list(dict.fromkeys(int(p) for p in parts))
        if len(ids) > MAX_COMPARED:
            raise serializers.ValidationError(
                f"compare at most {MAX_COMPARED} scenarios, not {len(ids)}"
            )
        return ids


class ScenarioCompareApi(APIView):
    """Up to three run scenarios side by side: per scenario, its months over the clinics it
    reaches (sums, utilization as a ratio of the sums) and its clinic × month rows."""

    queryset = Scenario.objects.none()

    @extend_schema(parameters=[CompareQuerySerializer], responses=ScenarioCompareSerializer)
    def get(self, request: Request) -> Response:
        query = CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ids = query.validated_data["ids"]
        found = selectors.scenarios_compared(ids=ids)
        missing = [pk for pk in ids if pk not in {s.pk for s in found}]
        if missing:
            raise serializers.ValidationError(
                {"ids": [f"scenario {pk} does not exist or has not been run" for pk in missing]}
            )
        staleness = selectors.scenarios_staleness(scenarios=found)
        periods = sorted({p for s in found for p in s.results["periods"]})
        return Response(
            {
                "periods": periods,
                "scenarios": [
                    {
                        "id": s.pk,
                        "name": s.name,
                        "is_current": s.is_current,
                        "stale": staleness[s.pk].stale,
                        "network_changes": staleness[s.pk].changes,
                        "ran_at": s.ran_at,
                        "changes": s.results["changes"],
                        "months": records(charts.month_totals(s.results["rows"])),
                        "rows": s.results["rows"],
                    }
                    for s in found
                ],
            }
        )
