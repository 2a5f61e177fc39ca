"""REST API of the clinic network: validate → call a service → serialize (STYLE §5)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.request import Request

from clinics import selectors, services
from clinics.models import Clinic, ScheduleTemplate
from clinics.serializers import (
    ClinicSerializer,
    ClosureSerializer,
    OrganizationSerializer,
    ProviderAbsenceSerializer,
    ProviderSerializer,
    RegionSerializer,
    ScheduleTemplateSerializer,
    ServiceLineSerializer,
    TemplateAssignmentSerializer,
    VisitTypeSerializer,
)


class RecordViewSet(viewsets.ModelViewSet):
    """Writes go through `services.record_save`, which runs every model rule (full_clean)."""

    request: Request

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        model = serializer.Meta.model
        serializer.instance = self.save(model(), dict(serializer.validated_data))

    def perform_update(self, serializer: serializers.ModelSerializer) -> None:
        serializer.instance = self.save(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance: Any) -> None:
        services.record_delete(instance=instance)

    def save(self, instance: Any, data: dict[str, Any]) -> Any:
        return services.record_save(instance=instance, data=data)


class OrganizationViewSet(RecordViewSet):
    serializer_class = OrganizationSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.organization_list(user=self.request.user)


class RegionViewSet(RecordViewSet):
    serializer_class = RegionSerializer
    filterset_fields = {"code": ["exact"], "organization__code": ["exact"]}
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.region_list(user=self.request.user)


class ServiceLineViewSet(RecordViewSet):
    serializer_class = ServiceLineSerializer
    filterset_fields = ["code"]
    queryset = ServiceLineSerializer.Meta.model.objects.all()


class ClinicViewSet(RecordViewSet):
    serializer_class = ClinicSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes may contain dots
    filterset_fields = {
        "code": ["exact"],
        "region__code": ["exact"],
        "region__organization__code": ["exact"],
        "service_lines__code": ["exact"],
        "timezone": ["exact"],
    }
    ordering_fields = ["code", "name", "exam_rooms"]

    def get_queryset(self):
        return selectors.clinic_list(user=self.request.user)

    def save(self, instance: Clinic, data: dict[str, Any]) -> Clinic:
        hours = data.pop("hours", None)
        return services.clinic_save(clinic=instance, data=data, hours=hours)


class VisitTypeViewSet(RecordViewSet):
    serializer_class = VisitTypeSerializer
    queryset = VisitTypeSerializer.Meta.model.objects.select_related("service_line")
    filterset_fields = {
        "code": ["exact"],
        "service_line__code": ["exact"],
        "is_new_patient": ["exact"],
    }
    ordering_fields = ["code", "minutes"]


class ScheduleTemplateViewSet(RecordViewSet):
    serializer_class = ScheduleTemplateSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes may contain dots
    filterset_fields = ["code"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.template_list()

    def save(self, instance: ScheduleTemplate, data: dict[str, Any]) -> ScheduleTemplate:
        blocks = data.pop("blocks", None)
        return services.template_save(template=instance, data=data, blocks=blocks)


class ProviderViewSet(RecordViewSet):
    serializer_class = ProviderSerializer
    lookup_field = "npi"
    lookup_value_regex = "[0-9]+"
    filterset_fields = {
        "npi": ["exact"],
        "credential": ["exact"],
        "service_line__code": ["exact"],
        "home_clinic__code": ["exact"],
        "left_on": ["isnull"],
    }
    ordering_fields = ["name", "npi", "hired_on"]

    def get_queryset(self):
        return selectors.provider_list(user=self.request.user)


class TemplateAssignmentViewSet(RecordViewSet):
    serializer_class = TemplateAssignmentSerializer
    filterset_fields = {
        "provider__npi": ["exact"],
        "clinic__code": ["exact"],
        "template__code": ["exact"],
        "ends_on": ["isnull"],
    }
    ordering_fields = ["starts_on"]

    def get_queryset(self):
        return selectors.assignment_list(user=self.request.user)


class ClosureViewSet(RecordViewSet):
    serializer_class = ClosureSerializer
    filterset_fields = {"clinic__code": ["exact"], "date": ["exact", "gte", "lte"]}
    ordering_fields = ["date"]

    def get_queryset(self):
        return selectors.closure_list(user=self.request.user)


class ProviderAbsenceViewSet(RecordViewSet):
    serializer_class = ProviderAbsenceSerializer
    filterset_fields = {"provider__npi": ["exact"], "starts_on": ["gte", "lte"]}
    ordering_fields = ["starts_on"]

    def get_queryset(self):
        return selectors.absence_list(user=self.request.user)
