"""Capacity API: appointment imports and utilization (validate → call → serialize)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from capacity import compute, selectors, services
from capacity.models import AppointmentImport
from growthplan.frames import records
from growthplan.permissions import requires


class ImportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField()
    percent = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.DictField())
    summary = serializers.DictField()


class AppointmentImportApi(APIView):
    """Upload an appointment file; a Celery job imports it (poll the returned job)."""

    permission_classes = [requires("capacity.add_appointmentimport")]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        format = serializers.ChoiceField(choices=["csv", "fhir"], default="csv")
        mapping = serializers.JSONField(required=False, allow_null=True, default=None)
        source = serializers.CharField(max_length=64, required=False, default="")
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={202: ImportOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = services.import_create(
            content=upload.read(),
            filename=upload.name,
            source=data.validated_data["source"],
            file_format=data.validated_data["format"],
            mapping=data.validated_data["mapping"],
            dry_run=data.validated_data["dry_run"],
            user=request.user,
        )
        job.refresh_from_db()
        return Response(services.import_progress(job=job), status=status.HTTP_202_ACCEPTED)


class AppointmentImportDetailApi(APIView):
    permission_classes = [requires("capacity.view_appointmentimport")]

    @extend_schema(responses=ImportOutputSerializer)
    def get(self, request: Request, job_id: int) -> Response:
        job = get_object_or_404(AppointmentImport.objects.defer("content"), pk=job_id)
        return Response(services.import_progress(job=job))


class UtilizationRowSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    available_minutes = serializers.IntegerField()
    booked_minutes = serializers.IntegerField()
    kept_minutes = serializers.IntegerField()
    unutilized_minutes = serializers.IntegerField()
    available_slots = serializers.IntegerField()
    booked_slots = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    kept_utilization = serializers.FloatField(allow_null=True)
    noshow_rate = serializers.FloatField(allow_null=True)
    late_cancellations = serializers.IntegerField()
    new_patient_share = serializers.FloatField(allow_null=True)


class ScopeInputSerializer(serializers.Serializer):
    """A report's scope and months, as `report utilization` takes them."""

    clinic = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    provider = serializers.CharField(required=False, help_text="NPI")
    start = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="first month, YYYY-MM")
    end = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="last month, YYYY-MM")
    by = serializers.ChoiceField(choices=["month", "week", "day"], default="month")

    def validate(self, attrs):
        if attrs.get("clinic") and attrs.get("region"):
            raise serializers.ValidationError("give a clinic or a region, not both")
        try:
            attrs["first"], attrs["last"] = compute.month_span(attrs["start"], attrs["end"])
        except ValueError as exc:
            raise serializers.ValidationError({"end": [str(exc)]}) from None
        return attrs


def _scoped_table(request: Request, selector) -> Response:
    """Validate the scope, call the selector, and return its rows with NaN as null."""
    data = ScopeInputSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    args = data.validated_data
    try:
        table = selector(
            first=args["first"], last=args["last"], by=args["by"],
            clinic=args.get("clinic"), region=args.get("region"), provider=args.get("provider"),
        )  # fmt: skip
    except selectors.ScopeError as exc:
        raise serializers.ValidationError({"scope": [str(exc)]}) from None
    return Response(records(table))


class UtilizationApi(APIView):
    """The numbers of `report utilization`, per period, for a clinic, region or the network."""

    permission_classes = [requires("capacity.view_dailyrollup")]

    @extend_schema(parameters=[ScopeInputSerializer], responses=UtilizationRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _scoped_table(request, selectors.utilization_table)


class TnaaRowSerializer(serializers.Serializer):
    period = serializers.CharField()
    scope = serializers.CharField()
    visit_class = serializers.ChoiceField(choices=["new", "established"])
    tnaa_days = serializers.FloatField(
        allow_null=True, help_text="mean of uncensored provider-day records"
    )
    records = serializers.IntegerField()
    censored = serializers.IntegerField()


class TnaaApi(APIView):
    """Third next available per period and new/established class (DESIGN §3)."""

    permission_classes = [requires("capacity.view_thirdnextavailable")]

    @extend_schema(parameters=[ScopeInputSerializer], responses=TnaaRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _scoped_table(request, selectors.tnaa_table)


class StandardizationRowSerializer(serializers.Serializer):
    service_line = serializers.CharField()
    providers = serializers.IntegerField()
    mean_new_share = serializers.FloatField()
    cv_new_share = serializers.FloatField(allow_null=True)
    mean_minutes_per_fte = serializers.FloatField()
    cv_minutes_per_fte = serializers.FloatField(allow_null=True)
    index = serializers.FloatField(allow_null=True)


class StandardizationApi(APIView):
    """The template standardization index per service line on today's plan (DESIGN §3)."""

    permission_classes = [requires("clinics.view_scheduletemplate")]

    @extend_schema(responses=StandardizationRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        table, _detail = selectors.standardization_table(today=timezone.localdate())
        return Response(records(table))
