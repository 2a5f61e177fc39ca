"""API shapes of the clinic network: codes for references, weekday names, HH:MM times."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clinics import compute
from clinics.models import (
    Clinic,
    Closure,
    Organization,
    Provider,
    ProviderAbsence,
    Region,
    ScheduleTemplate,
    ServiceLine,
    TemplateAssignment,
    VisitType,
)


class WeekdayField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(compute.WEEKDAYS), **kwargs)

    def to_internal_value(self, data: Any) -> int:
        return compute.WEEKDAYS.index(super().to_internal_value(data))

    def to_representation(self, value: int) -> str:
        return compute.WEEKDAYS[value]


class WeekdaysField(serializers.ListField):
    child = WeekdayField()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_empty=False, **kwargs)

    def to_internal_value(self, data: Any) -> list[int]:
        days = super().to_internal_value(data)
        if len(set(days)) != len(days):
            raise serializers.ValidationError("a weekday is listed twice")
        return sorted(days)


def code_field(queryset: Any, **kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=queryset, **kwargs)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "code", "name"]


class RegionSerializer(serializers.ModelSerializer):
    organization = code_field(Organization.objects.all())

    class Meta:
        model = Region
        fields = ["id", "code", "name", "organization"]


class ServiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceLine
        fields = ["id", "code", "name", "followup_profile"]


class HoursField(serializers.DictField):
    """Opening hours as {"mon": ["08:00", "17:00"], …}; a missing day is closed."""

    child = serializers.ListField(
        child=serializers.TimeField(format="%H:%M"), min_length=2, max_length=2
    )

    def to_internal_value(self, data: Any) -> dict[int, tuple]:
        value = super().to_internal_value(data)
        unknown = [k for k in value if k not in compute.WEEKDAYS]
        if unknown:
            raise serializers.ValidationError(f"unknown weekday {unknown[0]!r}; use mon … sun")
        return {compute.WEEKDAYS.index(k): (v[0], v[1]) for k, v in value.items()}

    def to_representation(self, value: Any) -> dict[str, list[str]]:
        return {
            compute.WEEKDAYS[h.weekday]: [compute.hhmm(h.opens), compute.hhmm(h.closes)]
            for h in value.all()
        }


class ClinicSerializer(serializers.ModelSerializer):
    region = code_field(Region.objects.all())
    service_lines = code_field(ServiceLine.objects.all(), many=True)
    hours = HoursField(required=False)

    class Meta:
        model = Clinic
        fields = [
            "id",
            "code",
            "name",
            "region",
            "timezone",
            "exam_rooms",
            "rooms_per_provider",
            "target_utilization",
            "hot_threshold",
            "cold_threshold",
            "band_low",
            "band_high",
            "service_lines",
            "hours",
            "opened_on",
            "closed_on",
        ]


class VisitTypeSerializer(serializers.ModelSerializer):
    service_line = code_field(ServiceLine.objects.all())

    class Meta:
        model = VisitType
        fields = [
            "id",
            "code",
            "name",
            "minutes",
            "is_new_patient",
            "service_line",
            "credentials",
            "late_cancel_hours",
        ]


class BlockSerializer(serializers.Serializer):
    weekday = WeekdayField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    visit_type = code_field(VisitType.objects.all(), allow_null=True)


class ScheduleTemplateSerializer(serializers.ModelSerializer):
    blocks = BlockSerializer(many=True, required=False)

    class Meta:
        model = ScheduleTemplate
        fields = ["id", "code", "name", "version", "updated_at", "blocks"]
        read_only_fields = ["version", "updated_at"]


class ProviderSerializer(serializers.ModelSerializer):
    service_line = code_field(ServiceLine.objects.all())
    home_clinic = code_field(Clinic.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Provider
        fields = [
            "id",
            "npi",
            "name",
            "credential",
            "service_line",
            "fte",
            "home_clinic",
            "hired_on",
            "left_on",
        ]


class TemplateAssignmentSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="npi", queryset=Provider.objects.all())
    clinic = code_field(Clinic.objects.all())
    template = code_field(ScheduleTemplate.objects.all())
    weekdays = WeekdaysField()

    class Meta:
        model = TemplateAssignment
        fields = ["id", "provider", "clinic", "template", "weekdays", "starts_on", "ends_on"]


class ClosureSerializer(serializers.ModelSerializer):
    clinic = code_field(Clinic.objects.all())

    class Meta:
        model = Closure
        fields = ["id", "clinic", "date", "start", "end", "reason"]
        validators: list = []  # the model's rules run in the service, with field names


class ProviderAbsenceSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="npi", queryset=Provider.objects.all())

    class Meta:
        model = ProviderAbsence
        fields = ["id", "provider", "starts_on", "ends_on", "reason"]
