"""Marketing pages: new-patient goals capped by capacity, the shared dashboard, network goals,
campaigns and the recompute jobs. Each view validates, calls services or selectors, renders;
every page is scoped to the clinics the user may see."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pandas as pd
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from clinics import selectors as clinic_selectors
from clinics.models import Clinic, ServiceLine
from marketing import charts, compute, selectors, services
from marketing.forms import CampaignForm, NetworkGoalForm
from marketing.models import Campaign, GoalStatus, NewPatientGoal

PAST_MONTHS = 6
MAX_GOAL = 1_000_000  # a typo guard, well inside the database's integer
NEXT_MONTHS = 3  # the dashboard's per-clinic table
CHANGE_GOALS = "marketing.change_newpatientgoal"
DECIDE_OVERRIDES = "marketing.decide_override"
GRID_CSV_COLUMNS = [
    "period", "requested", "cap", "binding_constraint", "target", "status",
    "np_slots_available", "np_booked", "np_headroom", "established_headroom", "kept",
    "attainment",
]  # fmt: skip


def _csv(table: pd.DataFrame, filename: str) -> HttpResponse:
    response = HttpResponse(table.to_csv(index=False), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _number(value: object) -> float | None:
    """A frame cell as a number, None where pandas left NaN or None."""
    if value is None or value != value:
        return None
    return value


def _count(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _clinics(request: HttpRequest) -> list[Clinic]:
    return list(clinic_selectors.clinic_list(user=request.user))


def _lines(clinics: list[Clinic]) -> dict[str, ServiceLine]:
    """The service lines these clinics offer, by code."""
    found = {line.code: line for c in clinics for line in c.service_lines.all()}
    return dict(sorted(found.items()))


def _first_of(period: str) -> date:
    return date.fromisoformat(f"{period}-01")


# ---------------------------------------------------------------------------------------------
# Goals: one clinic × service line, the next 12 months


def _whole(text: str) -> tuple[int | None, str]:
    """A typed goal as a whole number ≥ 0, or the reason it is not one."""
    if text == "":
        return None, "enter a whole number, 0 or more (a goal is changed, not removed)"
    if not re.fullmatch(r"-?[0-9]+", text):
        return None, f"“{text[:20]}” is not a whole number of new patients"
    number = int(text)
    if number < 0:
        return None, "a goal is 0 or more new patients"
    if number > MAX_GOAL:
        return None, f"at most {MAX_GOAL:,} new patients a month"
    return number, ""


def _version(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


class GoalsView(PermissionRequiredMixin, View):
    """The goal grid: requested goals per month beside the cap, its binding constraint, the
    target, bookings, headroom and what was kept; override requests and their decisions."""

    permission_required = "marketing.view_newpatientgoal"

    def scope(self, request: HttpRequest) -> tuple[list[Clinic], Clinic | None, ServiceLine | None]:
        clinics = _clinics(request)
        if not clinics and not request.GET.get("clinic"):
            return clinics, None, None
        code = request.GET.get("clinic") or clinics[0].code
        clinic = next((c for c in clinics if c.code == code), None)
        if clinic is None:
            raise Http404(f"no clinic {code}")
        lines = sorted(clinic.service_lines.all(), key=lambda line: line.code)
        asked = request.GET.get("line")
        # A clinic picked without its line (or with another clinic's): its first line.
        line = next((s for s in lines if s.code == asked), lines[0] if lines else None)
        return clinics, clinic, line

    def get(self, request: HttpRequest) -> HttpResponse:
        clinics, clinic, line = self.scope(request)
        if request.GET.get("format") == "csv" and clinic is not None and line is not None:
            months = selectors.horizon(timezone.localdate())
            frame = selectors.goals_frame(
                clinic_ids=[clinic.pk], first=months[0], last=months[-1],
                service_line_id=line.pk,
            )  # fmt: skip
            # As on the page: nothing is kept yet in the months to come.
            future = frame["period"] > months[0]
            frame["kept"] = frame["kept"].astype("Int64").mask(future)
            frame["attainment"] = frame["attainment"].mask(future)
            name = f"goals-{clinic.code}-{line.code}-{months[0]}.csv"
            return _csv(frame[GRID_CSV_COLUMNS], name)
        return goals_page(request, clinics, clinic, line)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(CHANGE_GOALS):
            raise PermissionDenied("marketing leads set new-patient goals")
        clinics, clinic, line = self.scope(request)
        if clinic is None or line is None:
            raise Http404("no clinic or service line to set goals for")
        today = timezone.localdate()
        posted, errors, changes = {}, {}, []
        for key in request.POST:
            if not key.startswith("requested-"):
                continue
            period = key.removeprefix("requested-")
            text = request.POST.get(key, "").strip()
            posted[period] = text
            if text == request.POST.get(f"shown-{period}", "").strip():
                continue  # untouched: a colleague's later change to it is not overwritten
            try:
                compute.month_index(period)
            except ValueError:
                errors[period] = [f"“{period[:20]}” is not a month YYYY-MM"]
                continue
            number, problem = _whole(text)
            if problem:
                errors[period] = [problem]
                continue
            changes.append((period, number, _version(request.POST.get(f"version-{period}"))))
        reason = request.POST.get("reason", "").strip()
        saved = []
        # Every month is tried so that all problems show at once; any one of them undoes all.
        with transaction.atomic():
            for period, number, version in changes:
                try:
                    goal = services.goal_request(
                        clinic=clinic, service_line=line, month=_first_of(period),
                        requested=number, user=request.user, today=today, version=version,
                        reason=reason,
                    )  # fmt: skip
                except services.GoalConflict as exc:
                    errors.setdefault(period, []).append(
                        "changed by someone else since you loaded the page — reload to see it "
                        f"({exc.message})"
                    )
                except ValidationError as exc:
                    errors.setdefault(period, []).extend(exc.messages)
                else:
                    saved.append((period, goal))
            if errors:
                transaction.set_rollback(True)
        if errors:
            return goals_page(
                request, clinics, clinic, line, posted=posted, errors=errors, reason=reason,
                status=400,
            )  # fmt: skip
        if not saved:
            messages.info(request, "Nothing changed.")
        for period, goal in saved:
            if goal.status == GoalStatus.OVERRIDE_REQUESTED:
                messages.warning(
                    request,
                    f"{period}: {goal.requested} requested, above the cap of {goal.cap} — "
                    "override requested, waiting for operations. The target stays "
                    f"{goal.target} until they approve.",
                )
            else:
                messages.success(request, f"{period}: goal {goal.requested}, target {goal.target}.")
        return redirect(_goals_url(clinic, line))


def _goals_url(clinic: Clinic, line: ServiceLine) -> str:
    return f"{reverse('marketing-goals')}?{urlencode({'clinic': clinic.code, 'line': line.code})}"


def goals_page(
    request: HttpRequest,
    clinics: list[Clinic],
    clinic: Clinic | None,
    line: ServiceLine | None,
    *,
    posted: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    reason: str = "",
    decide_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The goals page, with what was typed and its errors when a save was refused."""
    context: dict = {"clinics": clinics, "clinic": clinic, "line": line}
    if clinic is None or line is None:
        return render(request, "marketing/goals.html", context, status=status)
    today = timezone.localdate()
    posted, errors = posted or {}, errors or {}
    months = selectors.horizon(today)
    frame = selectors.goals_frame(
        clinic_ids=[clinic.pk], first=months[0], last=months[-1], service_line_id=line.pk
    )
    stored = {r["period"]: r for r in frame.to_dict("records")}
    rows = []
    for period in months:
        goal = stored.get(period)
        if goal is not None:
            goal = {**goal, "requested": _count(goal["requested"]),
                    "attainment": _number(goal["attainment"])}  # fmt: skip
        shown = "" if goal is None or goal["requested"] is None else str(goal["requested"])
        rows.append({
            "period": period, "goal": goal, "shown": shown,
            "value": posted.get(period, shown), "errors": errors.get(period, []),
            "below_cap": goal is not None and goal["requested"] is not None
            and goal["requested"] < goal["cap"],
        })  # fmt: skip
    past = [compute.month_add(months[0], -k) for k in range(PAST_MONTHS, 0, -1)]
    before = selectors.goals_frame(
        clinic_ids=[clinic.pk], first=past[0], last=past[-1], service_line_id=line.pk
    )
    targets = dict(zip(before["period"], before["target"], strict=True))
    kept = selectors.kept_new_patients(
        clinic_ids=[clinic.pk], first=past[0], last=past[-1], service_line_id=line.pk
    )
    history_rows = []
    for period in past:
        n = kept.get((clinic.pk, line.pk, period), 0)
        target = _count(targets.get(period))
        history_rows.append({
            "period": period, "target": target, "kept": n,
            "attainment": None if target is None else compute.attainment(n, target),
        })  # fmt: skip
    profile, cohorts = selectors.followup_profile_get(clinic=clinic, service_line=line, today=today)
    context.update(
        lines=sorted(clinic.service_lines.all(), key=lambda s: s.code),
        rows=rows,
        computed=bool(stored),
        past=history_rows,
        other_errors=sorted((p, e) for p, e in errors.items() if p not in set(months)),
        has_errors=bool(errors),
        reason=reason,
        pending=list(selectors.overrides_pending(clinic_ids=[clinic.pk], service_line_id=line.pk)),
        decide_errors=decide_errors or {},
        history=list(selectors.goal_history(clinic_id=clinic.pk, service_line_id=line.pk)),
        profile=profile,
        cohorts=cohorts.to_dict("records"),
        can_edit=request.user.has_perm(CHANGE_GOALS),
        can_decide=request.user.has_perm(DECIDE_OVERRIDES),
        goals_url=_goals_url(clinic, line),
        csv_url=f"{_goals_url(clinic, line)}&format=csv",
    )
    return render(request, "marketing/goals.html", context, status=status)


class OverrideDecideView(PermissionRequiredMixin, View):
    """Operations approve or refuse a request above the cap, always with a reason."""

    permission_required = DECIDE_OVERRIDES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        clinics = _clinics(request)
        goal = (
            NewPatientGoal.objects.select_related("clinic", "service_line")
            .filter(pk=pk, clinic__in=[c.pk for c in clinics])
            .first()
        )
        if goal is None:
            raise Http404(f"no goal {pk}")
        clinic = next(c for c in clinics if c.pk == goal.clinic_id)
        decision = request.POST.get("decision")
        if decision not in ("approve", "refuse"):
            return goals_page(
                request, clinics, clinic, goal.service_line,
                decide_errors={goal.pk: ["choose Approve or Refuse"]}, status=400,
            )  # fmt: skip
        try:
            goal = services.override_decide(
                goal=goal, approve=decision == "approve", reason=request.POST.get("reason", ""),
                user=request.user, today=timezone.localdate(),
            )  # fmt: skip
        except ValidationError as exc:
            problems = exc.messages
        except services.OverrideRefused as exc:
            problems = [exc.message]
        else:
            verb = "Approved" if decision == "approve" else "Refused"
            messages.success(
                request,
                f"{verb}: {clinic.code} {goal.service_line.code} {goal.month:%Y-%m} — "
                f"target {goal.target} (requested {goal.requested}, cap {goal.cap}).",
            )
            return redirect(_goals_url(clinic, goal.service_line))
        return goals_page(
            request, clinics, clinic, goal.service_line, decide_errors={goal.pk: problems},
            status=400,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The shared dashboard


def _months_count(text: str | None) -> int:
    """?months=N, 1 to 12; anything else 12."""
    try:
        n = int(text or 12)
    except ValueError:
        return 12
    return n if 1 <= n <= 12 else 12


class DashboardView(PermissionRequiredMixin, View):
    """New-patient headroom by clinic and month, goals against caps and what was kept, and the
    campaigns' signals: the numbers marketing and operations plan on together."""

    permission_required = "marketing.view_newpatientgoal"

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        clinics = _clinics(request)
        lines = _lines(clinics)
        line = lines.get(request.GET.get("line", ""))
        count = _months_count(request.GET.get("months"))
        months = selectors.horizon(today, count)
        ids = [c.pk for c in clinics]
        line_id = line.pk if line else None
        names = {c.code: f"{c.code} {c.name}" for c in clinics}
        context: dict = {
            "clinics": clinics, "lines": lines, "line": line, "count": count,
            "months": months, "month_choices": range(1, 13),
        }  # fmt: skip
        matrix = selectors.headroom_matrix(clinic_ids=ids, months=months, service_line_id=line_id)
        if not matrix.empty:
            context["heatmap"] = charts.headroom_heatmap(matrix, names)
            offering = {c.code for c in clinics if line is None or line in c.service_lines.all()}
            context["uncomputed"] = sorted(offering - set(matrix.index))
        past = [compute.month_add(months[0], -k) for k in range(PAST_MONTHS, 0, -1)]
        frame = selectors.goals_frame(
            clinic_ids=ids, first=past[0], last=months[-1], service_line_id=line_id
        )
        kept = selectors.kept_new_patients(
            clinic_ids=ids, first=past[0], last=months[0], service_line_id=line_id
        )
        context["from_period"] = past[0]
        context["totals"] = totals = _network_totals(frame, kept, [*past, *months], months[0])
        if totals["cap"].notna().any():
            context["goals_chart"] = charts.goals_vs_cap(totals)
        context["next_months"] = next_months = months[:NEXT_MONTHS]
        context["per_clinic"] = _per_clinic(frame, next_months, names)
        context["campaigns"] = _campaign_summaries(ids, today, line)
        pending = selectors.overrides_pending(clinic_ids=ids, service_line_id=line_id)
        context["pending"] = list(pending[:20])
        context["can_recompute"] = request.user.has_perm("pipeline.add_recomputejob")
        return render(request, "marketing/dashboard.html", context)


def _network_totals(
    frame: pd.DataFrame, kept: dict[tuple[int, int, str], int], periods: list[str], current: str
) -> pd.DataFrame:
    """Cap and target summed over the stored goals, and new patients kept, per month; no cap
    where none is stored, nothing kept yet for months to come."""
    sums = frame.groupby("period")[["cap", "target"]].sum() if not frame.empty else None
    kept_by_month: dict[str, int] = {}
    for (_clinic, _line, period), n in kept.items():
        kept_by_month[period] = kept_by_month.get(period, 0) + n
    rows = []
    for period in periods:
        stored = sums is not None and period in sums.index
        rows.append({
            "period": period,
            "cap": float(sums.loc[period, "cap"]) if stored else float("nan"),
            "target": float(sums.loc[period, "target"]) if stored else float("nan"),
            "kept": float(kept_by_month.get(period, 0)) if period <= current else float("nan"),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["period", "cap", "target", "kept"])


def _per_clinic(frame: pd.DataFrame, months: list[str], names: dict[str, str]) -> list[dict]:
    """Per clinic, for each of `months`: cap, target, booked and headroom, summed over lines."""
    near = frame[frame["period"].isin(months)]
    if near.empty:
        return []
    sums = near.groupby(["clinic", "period"])[["cap", "target", "np_booked", "np_headroom"]].sum()
    out = []
    for code in sorted(near["clinic"].unique()):
        cells = []
        for period in months:
            if (code, period) in sums.index:
                cells.append({k: int(v) for k, v in sums.loc[(code, period)].items()})
            else:
                cells.append(None)
        out.append({"clinic": code, "name": names.get(code, code), "cells": cells})
    return out


def _campaign_summaries(
    clinic_ids: list[int], today: date, line: ServiceLine | None, limit: int = 20
) -> list[dict]:
    """Active and upcoming campaigns (of `line`, if one) with their push / hold / pause counts."""
    campaigns = selectors.campaign_list(clinic_ids=clinic_ids).filter(ends_on__gte=today)
    if line is not None:
        campaigns = campaigns.filter(service_line=line)
    out = []
    for campaign in campaigns[:limit]:
        signals = selectors.campaign_signals(campaign=campaign, today=today)
        counts = signals.rows["signal"].value_counts()
        out.append({
            "campaign": campaign, "active": campaign.starts_on <= today,
            **{s: int(counts.get(s, 0)) for s in compute.SIGNALS},
        })  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------
# A network goal spread over the clinics


class NetworkGoalView(PermissionRequiredMixin, View):
    permission_required = "marketing.view_newpatientgoal"

    def form(self, request: HttpRequest, data=None) -> NetworkGoalForm:
        return NetworkGoalForm(
            data,
            lines=_lines(_clinics(request)).values(),
            months=selectors.horizon(timezone.localdate()),
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        asked = "total" in request.GET
        form = self.form(request, request.GET if asked else None)
        if asked and not form.is_valid():
            return self.page(request, form, status=400)
        return self.page(request, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(CHANGE_GOALS):
            raise PermissionDenied("marketing leads set new-patient goals")
        form = self.form(request, request.POST)
        if not form.is_valid():
            return self.page(request, form, status=400)
        data = form.cleaned_data
        try:
            allocation = services.network_goal_apply(
                service_line=data["line"], month=_first_of(data["month"]), total=data["total"],
                user=request.user, today=timezone.localdate(),
                clinic_ids=[c.pk for c in _clinics(request)],
            )  # fmt: skip
        except services.GoalConflict as exc:
            form.add_error(None, exc.message)
            return self.page(request, form, status=400)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.page(request, form, status=400)
        placed = sum(allocation.goals.values())
        text = (
            f"Network goal for {data['line'].code} {data['month']}: {placed} new patients set "
            f"as goals at {len(allocation.goals)} clinics."
        )
        if allocation.unplaced:
            text += f" {allocation.unplaced} did not fit under any clinic's cap."
        messages.success(request, text)
        query = urlencode({"line": data["line"].code, "month": data["month"]})
        return redirect(f"{reverse('marketing-network-goal')}?{query}&total={data['total']}")

    def page(self, request: HttpRequest, form: NetworkGoalForm, status: int = 200):
        context: dict = {"form": form, "can_apply": request.user.has_perm(CHANGE_GOALS)}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            clinics = _clinics(request)
            plan = selectors.network_goal_plan(
                service_line=data["line"], month=_first_of(data["month"]), total=data["total"],
                clinic_ids=[c.pk for c in clinics],
            )  # fmt: skip
            names = {c.code: c.name for c in clinics}
            rows = [
                {
                    **r,
                    "name": names.get(r["clinic"], ""),
                    "requested_now": _count(r["requested_now"]),
                }
                for r in plan.rows.to_dict("records")
            ]
            context.update(
                plan=plan, rows=rows, data=data,
                placed=sum(plan.allocation.goals.values()),
                headroom=sum(r["np_headroom"] for r in rows),
                caps=sum(r["cap"] for r in rows),
                booked=sum(r["np_booked"] for r in rows),
            )  # fmt: skip
        return render(request, "marketing/network_goal.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Campaigns


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    ids = [c.pk for c in _clinics(request)]
    campaign = selectors.campaign_list(clinic_ids=ids).filter(pk=pk).first()
    if campaign is None:
        raise Http404(f"no campaign {pk}")
    return campaign


def _campaign_state(campaign: Campaign, today: date) -> str:
    if campaign.ends_on < today:
        return "ended"
    return "active" if campaign.starts_on <= today else "upcoming"


class CampaignListView(PermissionRequiredMixin, View):
    permission_required = "marketing.view_campaign"

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        campaigns = selectors.campaign_list(clinic_ids=[c.pk for c in _clinics(request)])
        rows = [{"campaign": c, "state": _campaign_state(c, today)} for c in campaigns]
        return render(request, "marketing/campaign_list.html", {"rows": rows})


class CampaignDetailView(PermissionRequiredMixin, View):
    permission_required = "marketing.view_campaign"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        today = timezone.localdate()
        campaign = _campaign_or_404(request, pk)
        signals = selectors.campaign_signals(
            campaign=campaign, today=today, clinic_ids=[c.pk for c in _clinics(request)]
        )
        suggestions = signals.suggestions
        counts = signals.rows["signal"].value_counts()
        context = {
            "campaign": campaign, "state": _campaign_state(campaign, today),
            "signals": signals, "rows": signals.rows.to_dict("records"),
            "suggestions": suggestions.to_dict("records"),
            "counts": {s: int(counts.get(s, 0)) for s in compute.SIGNALS},
            "explanations": compute.SIGNALS,
            "months": selectors.campaign_months(campaign),
            "expected_patients": campaign.expected_leads * campaign.conversion,
        }  # fmt: skip
        return render(request, "marketing/campaign_detail.html", context)


class _CampaignFormView(PermissionRequiredMixin, View):
    def campaign(self, request: HttpRequest, pk: int | None) -> Campaign:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        campaign = self.campaign(request, pk)
        initial = {}
        if campaign.pk:
            initial = {
                "name": campaign.name, "channel": campaign.channel,
                "service_line": campaign.service_line, "clinics": list(campaign.clinics.all()),
                "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
                "budget": campaign.budget, "expected_leads": campaign.expected_leads,
                "conversion": campaign.conversion,
            }  # fmt: skip
        form = CampaignForm(initial=initial, clinics=_clinics(request))
        return self.page(request, campaign, form)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        campaign = self.campaign(request, pk)
        form = CampaignForm(request.POST, clinics=_clinics(request))
        if form.is_valid():
            data = dict(form.cleaned_data)
            clinics = data.pop("clinics")
            try:
                campaign = services.campaign_save(
                    campaign=campaign, data=data, clinics=clinics, user=request.user
                )
            except ValidationError as exc:
                for field, problems in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, f"Saved campaign “{campaign.name}”.")
                return redirect("marketing-campaign-detail", pk=campaign.pk)
        if campaign.pk:
            campaign.refresh_from_db()
        return self.page(request, campaign, form, status=400)

    def page(self, request, campaign, form, status=200):
        lines = {c.pk: sorted(s.code for s in c.service_lines.all()) for c in _clinics(request)}
        context = {"campaign": campaign, "form": form, "offers": lines}
        return render(request, "marketing/campaign_form.html", context, status=status)


class CampaignCreateView(_CampaignFormView):
    permission_required = "marketing.add_campaign"

    def campaign(self, request: HttpRequest, pk: int | None) -> Campaign:
        return Campaign()


class CampaignEditView(_CampaignFormView):
    permission_required = "marketing.change_campaign"

    def campaign(self, request: HttpRequest, pk: int | None) -> Campaign:
        return _campaign_or_404(request, pk)


class CampaignDeleteView(PermissionRequiredMixin, View):
    permission_required = "marketing.delete_campaign"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = _campaign_or_404(request, pk)
        return render(request, "marketing/campaign_delete.html", {"campaign": campaign})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = _campaign_or_404(request, pk)
        if request.POST.get("confirm") != "yes":
            return render(
                request, "marketing/campaign_delete.html", {"campaign": campaign}, status=400
            )
        name = campaign.name
        services.campaign_delete(campaign=campaign)
        messages.success(request, f"Deleted campaign “{name}”.")
        return redirect("marketing-campaign-list")
