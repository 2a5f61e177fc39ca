"""Capacity API: appointment imports and utilization (validate → call → serialize)."""

from __future__ import annotations

import math

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from capacity import compute, selectors, services
from capacity.models import AppointmentImport
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


class UtilizationApi(APIView):
    """The numbers of `report utilization`, per period, for a clinic, region or the network."""

    permission_classes = [requires("capacity.view_dailyrollup")]

    class InputSerializer(serializers.Serializer):
        clinic = serializers.CharField(required=False)
        region = serializers.CharField(required=False)
        provider = serializers.CharField(required=False, help_text="NPI")
        start = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="first month, YYYY-MM")
        end = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="last month, YYYY-MM")
        by = serializers.ChoiceField(choices=["month", "week", "day"], default="month")

        def validate(self, attrs):
            if attrs.get("clinic") and attrs.get("region"):
                raise serializers.ValidationError("give a clinic or a region, not both")
            return attrs

    @extend_schema(parameters=[InputSerializer], responses=UtilizationRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        try:
            first, last = compute.month_span(args["start"], args["end"])
        except ValueError as exc:
            raise serializers.ValidationError({"end": [str(exc)]}) from None
        try:
            table = selectors.utilization_table(
                first=first, last=last, by=args["by"],
                clinic=args.get("clinic"), region=args.get("region"),
                provider=args.get("provider"),
            )  # fmt: skip
        except selectors.ScopeError as exc:
            raise serializers.ValidationError({"scope": [str(exc)]}) from None
        records = [
            {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
            for r in table.astype(object).to_dict("records")
        ]
        return Response(records)
