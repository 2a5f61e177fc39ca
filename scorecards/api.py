"""REST API for KPIs, targets, measurements and scorecards (validate → call → serialize).

Scopes are written as the command line writes them: `network`, `organization:CODE`,
`region:CODE`, `clinic:CODE`; periods as `YYYY-MM` or `YYYY-Qn`. Bad input answers 400 with
`errors` keyed by field (growthplan.errors).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from growthplan.permissions import requires
from scorecards import compute, importers, selectors, services
from scorecards.models import KPI, Audience, Frequency, Measurement, Scorecard, Target


def _scope_key(scope_type: str, scope_code: str) -> str:
    return scope_type if not scope_code else f"{scope_type}:{scope_code}"


def _number(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _scope(text: str, user=None) -> selectors.Scope:
    try:
        return selectors.scope_get(text, user=user)
    except selectors.ScopeError as exc:
        raise serializers.ValidationError(str(exc)) from None


def _period(text: str) -> compute.Period:
    try:
        return compute.period_parse(text)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        ],
        "nullable": True,
        "description": "The green edge; [low, high] for a band KPI; null without a target.",
    }
)
class TargetValueField(serializers.Field):
    def to_representation(self, value):
        return value


# Inline, not a component: the same choices are the KPI's `frequency` enum.
@extend_schema_field(
    {"type": "string", "enum": ["", "month", "quarter"],
     "description": "months only, quarters only, or blank for both"}
)  # fmt: skip
class PeriodKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Frequency.choices, allow_blank=True, **kwargs)


# ---------------------------------------------------------------------------------------------
# KPIs


class KpiSerializer(serializers.ModelSerializer):
    class Meta:
        model = KPI
        fields = [
            "code", "name", "perspective", "unit", "direction", "frequency", "source",
            "aggregation", "owner", "definition", "house_metric", "drivers", "built_in", "active",
        ]  # fmt: skip


class KpiViewSet(viewsets.ReadOnlyModelViewSet):
    """The metric dictionary: every KPI with its unit, direction, frequency and definition."""

    serializer_class = KpiSerializer
    queryset = KPI.objects.all()
    lookup_field = "code"
    filterset_fields = ["perspective", "source", "active"]


# ---------------------------------------------------------------------------------------------
# Targets


class TargetSerializer(serializers.ModelSerializer):
    kpi = serializers.CharField(source="kpi.code")
    scope = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    set_by = serializers.CharField(source="set_by.username", default=None)
    period_kind = PeriodKindField(read_only=True)

    class Meta:
        model = Target
        fields = [
            "id", "kpi", "scope", "period_from", "period_to", "period_kind", "green_min",
            "green_max", "amber_min", "amber_max", "target", "source", "note", "set_by",
            "updated_at",
        ]  # fmt: skip

    def get_scope(self, target: Target) -> str:
        return _scope_key(target.scope_type, target.scope_code)

    @extend_schema_field(TargetValueField)
    def get_target(self, target: Target):
        return compute.target_value(target.kpi.direction, selectors.thresholds_of(target))


class TargetInputSerializer(serializers.Serializer):
    kpi = serializers.SlugRelatedField(slug_field="code", queryset=KPI.objects.all())
    scope = serializers.CharField(help_text="network, organization:CODE, region:CODE, clinic:CODE")
    period_from = serializers.DateField(help_text="the first day of the first month, 2026-01-01")
    period_to = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="the last day of the last month; null: until replaced",
    )  # fmt: skip
    period_kind = PeriodKindField(required=False, default="")
    green_min = serializers.FloatField(required=False, allow_null=True, default=None)
    green_max = serializers.FloatField(required=False, allow_null=True, default=None)
    amber_min = serializers.FloatField(required=False, allow_null=True, default=None)
    amber_max = serializers.FloatField(required=False, allow_null=True, default=None)
    source = serializers.CharField(
        required=False, default="board", help_text="board or benchmark (capacity is computed)"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def validate_scope(self, value: str) -> selectors.Scope:
        return _scope(value)


def _target_arguments(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    scope = data.pop("scope")
    return {**data, "scope_type": scope.type, "scope_code": scope.code}


class TargetViewSet(viewsets.ModelViewSet):
    """Targets with their thresholds and source; administrators write them (DESIGN §3 RAG).

    Give only `green_min` (higher-is-better), `green_max` (lower) or both green ends (band)
    and amber follows §3's defaults. Filters: `kpi`, `scope`, `source`."""

    serializer_class = TargetSerializer
    queryset = Target.objects.none()  # the model for permissions and the schema

    def get_queryset(self) -> QuerySet[Target]:
        targets = Target.objects.select_related("kpi", "set_by").order_by(
            "kpi__code", "scope_type", "scope_code", "-period_from"
        )
        params = self.request.query_params
        if params.get("kpi"):
            targets = targets.filter(kpi__code=params["kpi"])
        if params.get("scope"):
            scope = _scope_or_400(params["scope"])
            targets = targets.filter(scope_type=scope.type, scope_code=scope.code)
        if params.get("source"):
            targets = targets.filter(source=params["source"])
        return targets

    @extend_schema(request=TargetInputSerializer, responses={201: TargetSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = TargetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = services.target_save(**_target_arguments(data.validated_data), user=request.user)
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TargetInputSerializer, responses=TargetSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        target = self.get_object()
        partial = kwargs.get("partial", False)
        current = {
            "kpi": target.kpi, "scope": selectors.scope_get(
                _scope_key(target.scope_type, target.scope_code)
            ),
            "period_from": target.period_from, "period_to": target.period_to,
            "period_kind": target.period_kind, "green_min": target.green_min,
            "green_max": target.green_max, "amber_min": target.amber_min,
            "amber_max": target.amber_max, "source": target.source, "note": target.note,
        }  # fmt: skip
        data = TargetInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        given = {k: v for k, v in data.validated_data.items() if not partial or k in request.data}
        target = services.target_save(
            **_target_arguments({**current, **given}), user=request.user, target=target
        )
        return Response(TargetSerializer(target).data)

    def perform_destroy(self, instance: Target) -> None:
        services.target_delete(target=instance, user=self.request.user)


def _scope_or_400(text: str) -> selectors.Scope:
    try:
        return selectors.scope_get(text)
    except selectors.ScopeError as exc:
        raise serializers.ValidationError({"scope": [str(exc)]}) from None


# ---------------------------------------------------------------------------------------------
# Measurements


class MeasurementSerializer(serializers.ModelSerializer):
    kpi = serializers.CharField(source="kpi.code")
    scope = serializers.SerializerMethodField()
    entered_by = serializers.CharField(source="entered_by.username", default=None)

    class Meta:
        model = Measurement
        fields = [
            "id", "kpi", "scope", "period", "period_start", "value", "numerator", "denominator",
            "source", "entered_by", "note", "updated_at",
        ]  # fmt: skip

    def get_scope(self, measurement: Measurement) -> str:
        return _scope_key(measurement.scope_type, measurement.scope_code)


class MeasurementQuerySerializer(serializers.Serializer):
    kpi = serializers.CharField(required=False, help_text="a KPI code")
    scope = serializers.CharField(required=False, help_text="network, region:CODE, …")
    period = serializers.CharField(required=False, help_text="YYYY-MM or YYYY-Qn")
    period_from = serializers.CharField(
        required=False, help_text="periods starting in or after this one's first month"
    )
    period_to = serializers.CharField(
        required=False, help_text="periods starting in or before this one's first month"
    )
    source = serializers.ChoiceField(
        choices=["computed", "entered", "rolled_up", "derived"], required=False
    )

    def validate_scope(self, value: str) -> selectors.Scope:
        return _scope(value)

    def validate_period(self, value: str) -> compute.Period:
        return _period(value)

    def validate_period_from(self, value: str) -> compute.Period:
        return _period(value)

    def validate_period_to(self, value: str) -> compute.Period:
        return _period(value)


class MeasurementInputSerializer(serializers.Serializer):
    kpi = serializers.SlugRelatedField(slug_field="code", queryset=KPI.objects.all())
    scope = serializers.CharField(help_text="network, organization:CODE, region:CODE, clinic:CODE")
    period = serializers.CharField(help_text="YYYY-MM for a monthly KPI, YYYY-Qn for a quarterly")
    value = serializers.FloatField(
        required=False, allow_null=True, default=None,
        help_text="a fraction as 0.87; null: numerator ÷ denominator",
    )  # fmt: skip
    numerator = serializers.FloatField(required=False, allow_null=True, default=None)
    denominator = serializers.FloatField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MeasurementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """KPI values per scope and period: computed, rolled up, derived and entered.

    POST enters one value of an entered KPI (operations, marketing, administrators); it
    replaces the value stored for the same KPI, scope and period."""

    serializer_class = MeasurementSerializer
    queryset = Measurement.objects.none()  # the model for permissions and the schema

    def get_queryset(self) -> QuerySet[Measurement]:
        rows = Measurement.objects.select_related("kpi", "entered_by").order_by(
            "kpi__code", "scope_type", "scope_code", "period_start", "period"
        )
        if self.action != "list":
            return rows
        query = MeasurementQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        if "kpi" in args:
            rows = rows.filter(kpi__code=args["kpi"])
        if "scope" in args:
            rows = rows.filter(scope_type=args["scope"].type, scope_code=args["scope"].code)
        if "period" in args:
            rows = rows.filter(period=args["period"].label)
        if "period_from" in args:
            rows = rows.filter(period_start__gte=args["period_from"].first)
        if "period_to" in args:
            rows = rows.filter(period_start__lte=args["period_to"].first)
        if "source" in args:
            rows = rows.filter(source=args["source"])
        return rows

    @extend_schema(parameters=[MeasurementQuerySerializer])
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MeasurementInputSerializer, responses={201: MeasurementSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = MeasurementInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        scope = _scope_or_400(args.pop("scope"))
        measurement = services.measurement_save(
            **args, scope_type=scope.type, scope_code=scope.code, user=request.user
        )
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)


class ImportSummarySerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rows = serializers.IntegerField()
    dry_run = serializers.BooleanField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.CharField(help_text="the file's line number (the header is 1), or 'file'")
    field = serializers.CharField()
    message = serializers.CharField()


class ImportErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='{"file": ["row 3, value: …", …]}',
    )
    rows = RowErrorSerializer(many=True)


class MeasurementImportApi(APIView):
    """Upload a KPI CSV (columns kpi, scope, period, value, numerator, denominator, note):
    every row or none. 400 names each bad row and field; re-importing changes nothing."""

    permission_classes = [requires("scorecards.add_measurement")]
    parser_classes = [MultiPartParser, FormParser]

    class MeasurementImportInputSerializer(serializers.Serializer):
        file = serializers.FileField()
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(
        request=MeasurementImportInputSerializer,
        responses={200: ImportSummarySerializer, 400: ImportErrorsSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.MeasurementImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            summary = services.measurements_import(
                content=data.validated_data["file"].read(), user=request.user,
                dry_run=data.validated_data["dry_run"],
            )  # fmt: skip
        except importers.ImportFileError as exc:
            body = {
                "errors": {"file": [e.line() for e in exc.errors]},
                "rows": [
                    {"row": e.row, "field": e.field, "message": e.message} for e in exc.errors
                ],
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(summary)


# ---------------------------------------------------------------------------------------------
# Scorecards


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = serializers.FloatField(allow_null=True)


class CardSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    name = serializers.CharField()
    perspective = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    period = serializers.CharField(help_text="a quarterly KPI read for a month shows its quarter")
    value = serializers.FloatField(allow_null=True, help_text="fractions unrounded; null: n/a")
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    source = serializers.CharField(help_text="computed, entered, rolled_up, derived or blank")
    target = TargetValueField()
    status = serializers.ChoiceField(choices=["green", "amber", "red", "grey"])
    target_source = serializers.CharField(allow_null=True, help_text="board, benchmark, capacity")
    trend = TrendPointSerializer(many=True)


class ScorecardSerializer(serializers.Serializer):
    audience = serializers.CharField()
    name = serializers.CharField()
    scope = serializers.CharField()
    scope_name = serializers.CharField()
    period = serializers.CharField()
    cards = CardSerializer(many=True)


class ScorecardQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(
        required=False, help_text="Default: the network, or the user's organization"
    )
    period = serializers.CharField(
        required=False,
        help_text="YYYY-MM or YYYY-Qn; default the latest complete quarter (board) or month",
    )

    def validate_scope(self, value: str) -> selectors.Scope:
        return _scope(value, user=self.context["request"].user)

    def validate_period(self, value: str) -> compute.Period:
        return _period(value)


def _default_period(audience: str, today: date) -> compute.Period:
    kind = compute.QUARTER if audience == Audience.BOARD else compute.MONTH
    return compute.latest_complete(kind, today)


def _card(card: selectors.KpiCard) -> dict[str, Any]:
    return {
        "kpi": card.kpi.code, "name": card.kpi.name, "perspective": card.kpi.perspective,
        "unit": card.kpi.unit, "direction": card.kpi.direction, "period": card.period,
        "value": _number(card.value), "numerator": _number(card.numerator),
        "denominator": _number(card.denominator), "source": card.source,
        "target": card.target_value, "status": card.status,
        "target_source": card.target.source if card.target else None,
        "trend": [{"period": p, "value": _number(v)} for p, v in card.trend],
    }  # fmt: skip


class ScorecardApi(APIView):
    """A scorecard (board, operations or marketing) for a scope and period: each KPI's value,
    target, red/amber/green status, where the target came from, and its trend."""

    permission_classes = [requires("scorecards.view_scorecard")]

    @extend_schema(parameters=[ScorecardQuerySerializer], responses=ScorecardSerializer)
    def get(self, request: Request, audience: str) -> Response:
        scorecard = get_object_or_404(Scorecard, audience=audience)
        query = ScorecardQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        scope = query.validated_data.get("scope") or selectors.scope_get(None, user=request.user)
        period = query.validated_data.get("period") or _default_period(
            audience, timezone.localdate()
        )
        cards = selectors.scorecard_get(audience, scope, period)
        return Response(
            {
                "audience": audience, "name": scorecard.name, "scope": scope.key,
                "scope_name": scope.name, "period": period.label,
                "cards": [_card(c) for c in cards],
            }
        )  # fmt: skip
