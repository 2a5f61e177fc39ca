"""Marketing API for a CRM or ad platform: targets, headroom, caps, campaign signals; requested
goals written by marketing only (validate → call → serialize)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics import selectors as clinic_selectors
from clinics.models import ServiceLine
from growthplan.frames import records
from growthplan.permissions import requires
from marketing import compute, selectors, services
from marketing.models import Campaign, Channel, NewPatientGoal

MONTH = r"^\d{4}-\d{2}$"


def _month(value: str) -> str:
    try:
        compute.month_add(value, 0)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None
    return value


@extend_schema_field(OpenApiTypes.STR)
class ClinicCodeField(serializers.SlugRelatedField):
    """A clinic by code, among the clinics the requesting user may see."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return clinic_selectors.clinic_list(user=self.context["request"].user)


class GoalRowSerializer(serializers.Serializer):
    goal_id = serializers.IntegerField()
    clinic = serializers.CharField()
    clinic_name = serializers.CharField()
    service_line = serializers.CharField()
    period = serializers.CharField(help_text="YYYY-MM")
    requested = serializers.IntegerField(allow_null=True, help_text="null: no goal set")
    cap = serializers.IntegerField()
    binding_constraint = serializers.CharField()
    target = serializers.IntegerField(help_text="the recommended cap where nothing is requested")
    status = serializers.CharField()
    np_slots_available = serializers.IntegerField()
    np_booked = serializers.IntegerField()
    np_headroom = serializers.IntegerField(help_text="cap − new patients already booked")
    established_headroom = serializers.IntegerField(help_text="minutes")
    version = serializers.IntegerField()
    kept = serializers.IntegerField(help_text="new patients kept so far")
    attainment = serializers.FloatField(allow_null=True, help_text="kept ÷ target")


class GoalQuerySerializer(serializers.Serializer):
    clinic = serializers.CharField(required=False)
    service_line = serializers.CharField(required=False)
    start = serializers.RegexField(MONTH, required=False, help_text="first month, YYYY-MM")
    months = serializers.IntegerField(min_value=1, max_value=36, default=12)

    def validate_start(self, value: str) -> str:
        return _month(value)


class GoalInputSerializer(serializers.Serializer):
    clinic = ClinicCodeField()
    service_line = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceLine.objects.all()
    )
    month = serializers.RegexField(MONTH, help_text="YYYY-MM")
    requested = serializers.IntegerField(min_value=0)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_month(self, value: str) -> date:
        return date.fromisoformat(f"{_month(value)}-01")


class GoalApi(APIView):
    """GET: targets, caps and headroom per clinic × service line × month (default: the
    12-month horizon). POST: record a requested goal (marketing); above the cap it becomes an
    override request for operations. Send the `version` you read to be told of a later save."""

    permission_classes = [requires("marketing.view_newpatientgoal")]

    def get_permissions(self):
        if self.request.method == "POST":
            return [requires("marketing.change_newpatientgoal")()]
        return super().get_permissions()

    @extend_schema(parameters=[GoalQuerySerializer], responses=GoalRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = GoalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        clinics = clinic_selectors.clinic_list(user=request.user)
        if args.get("clinic"):
            clinics = clinics.filter(code=args["clinic"])
            if not clinics.exists():
                raise serializers.ValidationError(
                    {"clinic": [f"unknown clinic {args['clinic']!r}"]}
                )
        line_id = None
        if args.get("service_line"):
            line = ServiceLine.objects.filter(code=args["service_line"]).first()
            if line is None:
                raise serializers.ValidationError(
                    {"service_line": [f"unknown service line {args['service_line']!r}"]}
                )
            line_id = line.pk
        first = args.get("start") or timezone.localdate().strftime("%Y-%m")
        table = selectors.goals_frame(
            clinic_ids=clinics.values_list("pk", flat=True), first=first,
            last=compute.month_add(first, args["months"] - 1), service_line_id=line_id,
        )  # fmt: skip
        return Response(records(table))

    @extend_schema(request=GoalInputSerializer, responses={200: GoalRowSerializer})
    def post(self, request: Request) -> Response:
        data = GoalInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        args = data.validated_data
        goal = services.goal_request(
            clinic=args["clinic"], service_line=args["service_line"], month=args["month"],
            requested=args["requested"], user=request.user, today=timezone.localdate(),
            version=args["version"], reason=args["reason"],
        )  # fmt: skip
        return Response(_goal_row(goal))


def _goal_row(goal: NewPatientGoal) -> dict[str, Any]:
    period = goal.month.strftime("%Y-%m")
    table = selectors.goals_frame(
        clinic_ids=[goal.clinic_id], first=period, last=period,
        service_line_id=goal.service_line_id,
    )  # fmt: skip
    return records(table)[0]


class GoalChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    user = serializers.CharField(source="user.username", allow_null=True, default=None)
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    note = serializers.CharField()


class GoalDetailSerializer(serializers.ModelSerializer):
    clinic = serializers.CharField(source="clinic.code")
    service_line = serializers.CharField(source="service_line.code")
    period = serializers.DateField(source="month", format="%Y-%m")
    requested_by = serializers.CharField(source="requested_by.username", default=None)
    decided_by = serializers.CharField(source="decided_by.username", default=None)
    history = GoalChangeSerializer(many=True)

    class Meta:
        model = NewPatientGoal
        fields = [
            "id", "clinic", "service_line", "period", "requested", "cap", "binding_constraint",
            "target", "status", "override_reason", "requested_by", "decided_by", "decided_at",
            "decision_reason", "np_booked", "np_headroom", "version", "history",
        ]  # fmt: skip


def _goal_get(request: Request, goal_id: int) -> NewPatientGoal:
    visible = clinic_selectors.clinic_list(user=request.user).values("pk")
    return get_object_or_404(
        NewPatientGoal.objects.select_related("clinic", "service_line").filter(clinic__in=visible),
        pk=goal_id,
    )


class GoalDetailApi(APIView):
    """One goal with its override request, decision and history (who, when, old → new)."""

    permission_classes = [requires("marketing.view_newpatientgoal")]

    @extend_schema(responses=GoalDetailSerializer)
    def get(self, request: Request, goal_id: int) -> Response:
        return Response(GoalDetailSerializer(_goal_get(request, goal_id)).data)


class GoalDecisionApi(APIView):
    """Operations approve or refuse an override request, with a reason."""

    permission_classes = [requires("marketing.decide_override")]

    class DecisionInputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(request=DecisionInputSerializer, responses=GoalDetailSerializer)
    def post(self, request: Request, goal_id: int) -> Response:
        data = self.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = services.override_decide(
            goal=_goal_get(request, goal_id), user=request.user, today=timezone.localdate(),
            **data.validated_data,
        )  # fmt: skip
        return Response(GoalDetailSerializer(goal).data)


class CapsApi(APIView):
    """The numbers of `report np-capacity` (DESIGN §4) for one clinic × service line."""

    permission_classes = [requires("marketing.view_newpatientgoal")]

    class CapsQuerySerializer(serializers.Serializer):
        clinic = serializers.CharField()
        service_line = serializers.CharField()
        start = serializers.RegexField(MONTH, required=False, help_text="first month, YYYY-MM")
        months = serializers.IntegerField(min_value=1, max_value=24, default=12)

    class CapRowSerializer(serializers.Serializer):
        period = serializers.CharField()
        np_slots_available = serializers.IntegerField()
        np_booked = serializers.IntegerField()
        np_headroom = serializers.IntegerField()
        established_headroom = serializers.IntegerField(help_text="minutes")
        cap = serializers.IntegerField()
        binding_constraint = serializers.CharField(
            help_text="np_slots, sustainable, followup:YYYY-MM or booked"
        )
        requested = serializers.IntegerField(allow_null=True)
        target = serializers.IntegerField(allow_null=True)

    @extend_schema(parameters=[CapsQuerySerializer], responses=CapRowSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = self.CapsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        args = query.validated_data
        if not clinic_selectors.clinic_list(user=request.user).filter(code=args["clinic"]).exists():
            raise serializers.ValidationError({"clinic": [f"unknown clinic {args['clinic']!r}"]})
        today = timezone.localdate()
        try:
            table = selectors.np_capacity_table(
                clinic=args["clinic"], service_line=args["service_line"],
                first=args.get("start") or today.strftime("%Y-%m"), months=args["months"],
                today=today,
            )  # fmt: skip
        except selectors.CapScopeError as exc:
            raise serializers.ValidationError({"scope": [str(exc)]}) from None
        return Response(records(table))


class NetworkGoalApi(APIView):
    """Spread a network-wide monthly goal for a service line over the clinics by headroom.

    `apply: false` (the default) previews; `apply: true` records each clinic's share as its
    requested goal (marketing only). `unplaced` is what no clinic's cap can take."""

    permission_classes = [requires("marketing.view_newpatientgoal")]

    class NetworkGoalInputSerializer(serializers.Serializer):
        service_line = serializers.SlugRelatedField(
            slug_field="code", queryset=ServiceLine.objects.all()
        )
        month = serializers.RegexField(MONTH, help_text="YYYY-MM, within the 12-month horizon")
        total = serializers.IntegerField(min_value=0)
        apply = serializers.BooleanField(default=False)

        def validate_month(self, value: str) -> date:
            if _month(value) not in selectors.horizon(timezone.localdate()):
                raise serializers.ValidationError(f"{value} is outside the 12-month horizon")
            return date.fromisoformat(f"{value}-01")

    class NetworkGoalOutputSerializer(serializers.Serializer):
        service_line = serializers.CharField()
        period = serializers.CharField()
        total = serializers.IntegerField()
        applied = serializers.BooleanField()
        unplaced = serializers.IntegerField(help_text="what no clinic's cap can take")
        not_computed = serializers.ListField(child=serializers.CharField())
        clinics = serializers.ListField(child=serializers.DictField())

    @extend_schema(request=NetworkGoalInputSerializer, responses=NetworkGoalOutputSerializer)
    def post(self, request: Request) -> Response:
        data = self.NetworkGoalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        args = data.validated_data
        today = timezone.localdate()
        visible = list(clinic_selectors.clinic_list(user=request.user).values_list("pk", flat=True))
        plan = selectors.network_goal_plan(
            service_line=args["service_line"], month=args["month"], total=args["total"],
            clinic_ids=visible,
        )  # fmt: skip
        if args["apply"]:
            if not request.user.has_perm("marketing.change_newpatientgoal"):
                self.permission_denied(request, message="only marketing sets goals")
            services.network_goal_apply(
                service_line=args["service_line"], month=args["month"], total=args["total"],
                user=request.user, today=today, clinic_ids=visible,
            )  # fmt: skip
        return Response(
            {
                "service_line": args["service_line"].code,
                "period": args["month"].strftime("%Y-%m"),
                "total": args["total"],
                "applied": args["apply"],
                "unplaced": plan.allocation.unplaced,
                "not_computed": plan.missing,
                "clinics": records(plan.rows),
            },
            status=status.HTTP_200_OK,
        )


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["code", "name"]


class CampaignSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", queryset=Channel.objects.all())
    service_line = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceLine.objects.all()
    )
    clinics = ClinicCodeField(many=True)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    conversion = serializers.DecimalField(
        max_digits=4, decimal_places=3, help_text="lead → new patient, in (0, 1]"
    )

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "channel", "service_line", "clinics", "starts_on", "ends_on", "budget",
            "expected_leads", "conversion", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["updated_at"]

    def validate_conversion(self, value):
        if not 0 < value <= 1:
            raise serializers.ValidationError("a conversion rate is in (0, 1], e.g. 0.25")
        return value


class ChannelViewSet(viewsets.ModelViewSet):
    serializer_class = ChannelSerializer
    queryset = Channel.objects.all()
    lookup_field = "code"


class CampaignViewSet(viewsets.ModelViewSet):
    """Campaigns (marketing writes); `signals/` gives push / hold / pause per clinic × month."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.none()  # the model for permissions and the schema
    filterset_fields = {"service_line__code": ["exact"], "channel__code": ["exact"]}
    ordering_fields = ["starts_on", "name"]

    def get_queryset(self):
        visible = clinic_selectors.clinic_list(user=self.request.user).values_list("pk", flat=True)
        return selectors.campaign_list(clinic_ids=visible)

    def perform_create(self, serializer: CampaignSerializer) -> None:
        serializer.instance = self._save(Campaign(), serializer.validated_data)

    def perform_update(self, serializer: CampaignSerializer) -> None:
        serializer.instance = self._save(serializer.instance, serializer.validated_data)

    def perform_destroy(self, instance: Campaign) -> None:
        services.campaign_delete(campaign=instance)

    def _save(self, campaign: Campaign, data: dict[str, Any]) -> Campaign:
        data = dict(data)
        clinics = data.pop("clinics", None)
        if clinics is None:
            clinics = list(campaign.clinics.all()) if campaign.pk else []
        return services.campaign_save(
            campaign=campaign, data=data, clinics=clinics, user=self.request.user
        )


class CampaignSignalRowSerializer(serializers.Serializer):
    clinic = serializers.CharField()
    period = serializers.CharField()
    cap = serializers.IntegerField()
    np_booked = serializers.IntegerField()
    np_headroom = serializers.IntegerField()
    target = serializers.IntegerField()
    expected = serializers.FloatField(help_text="new patients the campaign should bring here")
    signal = serializers.ChoiceField(choices=list(compute.SIGNALS))
    leads_needed = serializers.IntegerField(help_text="ceil(target ÷ conversion)")


class CampaignSignalsApi(APIView):
    """Per target clinic and month in the horizon: push, hold or pause, and the leads the
    target needs; plus other clinics with headroom for the same service line."""

    permission_classes = [requires("marketing.view_campaign")]

    @extend_schema(responses=CampaignSignalRowSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        visible = clinic_selectors.clinic_list(user=request.user).values_list("pk", flat=True)
        campaign = get_object_or_404(selectors.campaign_list(clinic_ids=visible), pk=pk)
        signals = selectors.campaign_signals(
            campaign=campaign, today=timezone.localdate(), clinic_ids=visible
        )
        return Response(
            {
                "campaign": campaign.pk,
                "expected_leads": campaign.expected_leads,
                "leads_needed": signals.leads_needed,
                "expected_per_clinic_month": signals.expected_per_clinic_month,
                "rows": records(signals.rows),
                "suggested_clinics": records(signals.suggestions),
            }
        )
