"""Serializers of the scenario API: the scenario file's schema (DESIGN §4, for the OpenAPI
document; the file itself is read by `compute.read`, which names each problem's path), the
stored scenarios, and their results."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinics import network
from scenarios import compute
from scenarios.models import Scenario

MONTH = r"^\d{4}-\d{2}$"


class TemplateBlockSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=list(network.compute.WEEKDAYS))
    start = serializers.CharField(help_text="HH:MM")
    end = serializers.CharField(help_text="HH:MM")
    visit_type = serializers.CharField(allow_null=True, help_text="null: blocked time")


def _weekdays(**kw: Any) -> serializers.Field:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=list(network.compute.WEEKDAYS)), **kw
    )


# The schema of each key a change may have (compute.FIELD_PARSERS reads them).
CHANGE_FIELDS: dict[str, Any] = {
    "npi": lambda **kw: serializers.CharField(max_length=10, **kw),
    "name": lambda **kw: serializers.CharField(**kw),
    "credential": lambda **kw: serializers.CharField(max_length=8, **kw),
    "service_line": lambda **kw: serializers.CharField(help_text="service line code", **kw),
    "clinic": lambda **kw: serializers.CharField(help_text="clinic code", **kw),
    "template": lambda **kw: serializers.CharField(help_text="template code", **kw),
    "code": lambda **kw: serializers.CharField(help_text="template code", **kw),
    "visit_type": lambda **kw: serializers.CharField(
        allow_null=True, help_text="visit type code for added time", **kw
    ),
    "fte": lambda **kw: serializers.FloatField(help_text="above 0, at most 1.0", **kw),
    "weekdays": _weekdays,
    "start": lambda **kw: serializers.DateField(help_text="YYYY-MM-DD, not before today", **kw),
    "from": lambda **kw: serializers.DateField(help_text="YYYY-MM-DD, not before today", **kw),
    "open": lambda **kw: serializers.CharField(help_text="HH:MM", **kw),
    "close": lambda **kw: serializers.CharField(help_text="HH:MM", **kw),
    "rooms": lambda **kw: serializers.IntegerField(min_value=0, **kw),
    "ramp_months": lambda **kw: serializers.IntegerField(
        min_value=0,
        max_value=compute.MAX_RAMP_MONTHS,
        default=compute.DEFAULT_RAMP_MONTHS,
        help_text="supply k/n in the k-th month; 0 = full from the start",
        **kw,
    ),
    "value": lambda **kw: serializers.FloatField(help_text="target utilization, (0, 1]", **kw),
    "blocks": lambda **kw: TemplateBlockSerializer(many=True, **kw),
}


def _change_serializer(kind: str) -> type[serializers.Serializer]:
    required, optional = compute.CHANGE_KEYS[kind]
    fields = {key: CHANGE_FIELDS[key]() for key in required}
    for key in optional:
        field = CHANGE_FIELDS[key]
        fields[key] = field() if key == "ramp_months" else field(required=False)
    name = "".join(part.title() for part in kind.split("_")) + "ChangeSerializer"
    return type(name, (serializers.Serializer,), {**fields, "__doc__": compute.CHANGE_LABELS[kind]})


ScenarioChangeSerializer = type(
    "ScenarioChangeSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One change: an object with exactly one of these keys.",
        **{kind: _change_serializer(kind)(required=False) for kind in compute.CHANGE_KEYS},
    },
)

# "from" is a Python keyword: the class is built from a dict of its fields.
ScenarioFileSerializer = type(
    "ScenarioFileSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "The scenario file (DESIGN §4): changes applied on top of the current "
        "network, in order.",
        "name": serializers.CharField(),
        "from": serializers.RegexField(MONTH, help_text="first month, YYYY-MM"),
        "months": serializers.IntegerField(min_value=1, max_value=compute.MAX_MONTHS),
        "changes": ScenarioChangeSerializer(many=True),
    },
)


class ScenarioCompareMonthSerializer(serializers.Serializer):
    """A month of the current plan beside the scenario: for one clinic, or over all the
    clinics a scenario reaches (minutes and caps summed, utilization as the summed forecast
    over the summed available minutes, DESIGN §3)."""

    period = serializers.CharField()
    available_minutes_current = serializers.FloatField()
    available_minutes_scenario = serializers.FloatField()
    available_minutes_change = serializers.FloatField()
    forecast_minutes = serializers.FloatField(help_text="HELD minutes expected (demand held)")
    utilization_current = serializers.FloatField(allow_null=True)
    utilization_scenario = serializers.FloatField(allow_null=True)
    utilization_change = serializers.FloatField(allow_null=True)
    unutilized_minutes_current = serializers.FloatField()
    unutilized_minutes_scenario = serializers.FloatField()
    unutilized_minutes_change = serializers.FloatField()
    np_cap_current = serializers.IntegerField(help_text="summed over service lines")
    np_cap_scenario = serializers.IntegerField()
    np_cap_change = serializers.IntegerField()


class ResultRowSerializer(ScenarioCompareMonthSerializer):
    """One clinic × month, the current plan beside the scenario."""

    clinic = serializers.CharField()
    binding_constraint_current = serializers.CharField()
    binding_constraint_scenario = serializers.CharField()


class ResultLineSerializer(serializers.Serializer):
    clinic = serializers.CharField()
    period = serializers.CharField()
    service_line = serializers.CharField()
    np_cap_current = serializers.IntegerField(allow_null=True)
    binding_current = serializers.CharField(allow_null=True)
    np_cap_scenario = serializers.IntegerField(allow_null=True)
    binding_scenario = serializers.CharField(allow_null=True)


class ResultTnaaSerializer(serializers.Serializer):
    clinic = serializers.CharField()
    is_new_patient = serializers.BooleanField()
    days_current = serializers.FloatField(allow_null=True, help_text="null: all censored")
    providers_current = serializers.IntegerField(allow_null=True)
    censored_current = serializers.IntegerField(allow_null=True)
    days_scenario = serializers.FloatField(allow_null=True)
    providers_scenario = serializers.IntegerField(allow_null=True)
    censored_scenario = serializers.IntegerField(allow_null=True)


class ScenarioResultsSerializer(serializers.Serializer):
    name = serializers.CharField()
    today = serializers.DateField(help_text="the day the run planned from")
    periods = serializers.ListField(child=serializers.CharField())
    clinics = serializers.ListField(child=serializers.CharField(), help_text="clinics reached")
    changes = serializers.ListField(child=serializers.CharField())
    rows = ResultRowSerializer(many=True)
    lines = ResultLineSerializer(many=True)
    tnaa = ResultTnaaSerializer(many=True)


@extend_schema_field(ScenarioFileSerializer)
class ScenarioFileField(serializers.JSONField):
    pass


@extend_schema_field(ScenarioResultsSerializer)
class ScenarioResultsField(serializers.JSONField):
    pass


class ScenarioRowSerializer(serializers.ModelSerializer):
    """A stored scenario as the list shows it."""

    progress = serializers.IntegerField(read_only=True, help_text="percent of the run done")
    months = serializers.IntegerField(source="document.months", read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None)
    is_current = serializers.BooleanField(
        read_only=True, help_text="the results belong to the file as it is now"
    )

    class Meta:
        model = Scenario
        fields = [
            "id", "name", "status", "progress", "months", "created_by", "created_at",
            "updated_at", "ran_at", "applied_at", "is_current",
        ]  # fmt: skip
        read_only_fields = fields

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword; shown after the name, as the file orders it.
        fields = super().get_fields()
        first = serializers.CharField(source="document.from", read_only=True, help_text="YYYY-MM")
        keys = list(fields)
        at = keys.index("name") + 1
        return (
            {k: fields[k] for k in keys[:at]} | {"from": first} | {k: fields[k] for k in keys[at:]}
        )


class ScenarioDetailSerializer(ScenarioRowSerializer):
    """A stored scenario with its file, its problems and its last run's results, and whether
    those were computed on another network than the current one."""

    # The staleness comes in the context (selectors.scenario_staleness): one network read.

    progress_done = serializers.IntegerField(read_only=True)
    progress_total = serializers.IntegerField(read_only=True)
    applied_by = serializers.CharField(source="applied_by.username", default=None)
    document = ScenarioFileField(read_only=True)
    problems = serializers.ListField(child=serializers.CharField(), read_only=True)
    results = ScenarioResultsField(read_only=True, allow_null=True)
    stale = serializers.SerializerMethodField(
        help_text="the network changed since the run: its results are not what applying it "
        "would give (apply answers 409 scenario_stale); run it again"
    )
    network_changes = serializers.SerializerMethodField(
        help_text="what changed in the network since the run, one line per record, e.g. "
        '"clinic C01 (Lakeside): exam_rooms 6 → 8 changed"; empty unless stale'
    )

    class Meta(ScenarioRowSerializer.Meta):
        fields = [
            *ScenarioRowSerializer.Meta.fields, "progress_done", "progress_total", "applied_by",
            "applied_import", "document", "problems", "results", "stale", "network_changes",
        ]  # fmt: skip
        read_only_fields = fields

    def get_stale(self, scenario: Scenario) -> bool:
        return self.context["staleness"].stale

    def get_network_changes(self, scenario: Scenario) -> list[str]:
        return self.context["staleness"].changes


class ScenarioComparedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_current = serializers.BooleanField()
    stale = serializers.BooleanField(help_text="the network changed since the run")
    network_changes = serializers.ListField(
        child=serializers.CharField(), help_text="what changed, one line per record"
    )
    ran_at = serializers.DateTimeField()
    changes = serializers.ListField(child=serializers.CharField())
    months = ScenarioCompareMonthSerializer(many=True)
    rows = ResultRowSerializer(many=True, help_text="per clinic × month")


class ScenarioCompareSerializer(serializers.Serializer):
    periods = serializers.ListField(child=serializers.CharField(), help_text="all scenarios'")
    scenarios = ScenarioComparedSerializer(many=True)
