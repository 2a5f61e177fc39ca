"""Scenario pages: the list, one scenario (its changes, a form per kind of change, its run and
results), export and import of its file, apply, and up to three compared side by side.

Every edit re-saves the whole scenario file through services.scenario_save, which checks it
as `scenario run` does and writes nothing when it does not hold; its problems name the file's
keys, shown beside the form fields of those keys. Board members read; operations and marketing
build and run; only operations apply (scenarios.apply_scenario).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View

from clinics import compute as clinic_compute
from clinics import selectors as clinic_selectors
from clinics.models import Clinic, ServiceLine, TemplateBlock, User, VisitType
from growthplan.errors import DomainError
from scenarios import charts, compute, forms, selectors, services
from scenarios.models import Scenario

VIEW = "scenarios.view_scenario"
ADD = "scenarios.add_scenario"
CHANGE = "scenarios.change_scenario"
DELETE = "scenarios.delete_scenario"
APPLY = "scenarios.apply_scenario"
MAX_COMPARED = 3
WORKING = (Scenario.Status.QUEUED, Scenario.Status.RUNNING)


def _require(request: HttpRequest, permission: str, why: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(why)


def _scenario(request: HttpRequest, pk: int) -> Scenario:
    return get_object_or_404(selectors.scenario_list(user=request.user), pk=pk)


def _next_month(today: date) -> str:
    return (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")


# ---------------------------------------------------------------------------------------------
# Numbers as people read them


def _missing(value: object) -> bool:
    return value is None or value != value  # None or NaN


def minutes(value: object) -> str:
    return "n/a" if _missing(value) else f"{float(value):,.0f}"


def signed(value: object) -> str:
    """A change: +1,234, −56 or 0."""
    if _missing(value):
        return "n/a"
    rounded = round(float(value))
    if rounded == 0:
        return "0"
    return f"+{rounded:,}" if rounded > 0 else f"−{-rounded:,}"


def percent(value: object) -> str:
    return "n/a" if _missing(value) else f"{float(value) * 100:.1f} %"


def points(value: object) -> str:
    """A change of a percentage, in percentage points: +4.5 pp."""
    if _missing(value):
        return "n/a"
    shown = round(float(value) * 100, 1)
    if shown == 0:
        return "0.0 pp"
    return f"+{shown:.1f} pp" if shown > 0 else f"−{-shown:.1f} pp"


def days(value: object) -> str:
    return "n/a" if _missing(value) else f"{float(value):.1f}"


def _days_change(value: float) -> str:
    shown = round(value, 1)
    return "0.0" if shown == 0 else f"{shown:+.1f}".replace("-", "−")


def direction(value: object) -> str:
    """CSS class of a change: up, down or none."""
    if _missing(value) or round(float(value), 4) == 0:
        return "same"
    return "up" if float(value) > 0 else "down"


def _total_cells(row: Mapping[str, Any]) -> dict[str, Any]:
    """A month's (or the horizon's) totals, formatted."""
    return {
        "period": row["period"],
        "available_current": minutes(row["available_minutes_current"]),
        "available_scenario": minutes(row["available_minutes_scenario"]),
        "available_change": signed(row["available_minutes_change"]),
        "available_dir": direction(row["available_minutes_change"]),
        "forecast": minutes(row["forecast_minutes"]),
        "utilization_current": percent(row["utilization_current"]),
        "utilization_scenario": percent(row["utilization_scenario"]),
        "utilization_change": points(row["utilization_change"]),
        "utilization_dir": direction(row["utilization_change"]),
        "unutilized_current": minutes(row["unutilized_minutes_current"]),
        "unutilized_scenario": minutes(row["unutilized_minutes_scenario"]),
        "unutilized_change": signed(row["unutilized_minutes_change"]),
        "np_cap_current": minutes(row["np_cap_current"]),
        "np_cap_scenario": minutes(row["np_cap_scenario"]),
        "np_cap_change": signed(row["np_cap_change"]),
        "np_cap_dir": direction(row["np_cap_change"]),
    }


def _binding(text: object) -> list[dict[str, str]]:
    """ "ORTHO: np_slots; PT: booked" → each service line's constraint; one line's is bare."""
    if not text:
        return []
    out = []
    for part in str(text).split("; "):
        line, _, code = part.rpartition(": ")
        out.append({"line": line, "code": code})
    return out


def _hot(utilization: float | None, clinic: Clinic | None) -> bool:
    """Above the clinic's hot threshold (DESIGN §3: > 95 % by default)."""
    return (
        clinic is not None and not _missing(utilization)
        and utilization > float(clinic.hot_threshold)
    )  # fmt: skip


def _band(clinic: Clinic | None) -> tuple[float, float] | None:
    return (float(clinic.band_low), float(clinic.band_high)) if clinic else None


# ---------------------------------------------------------------------------------------------
# The list: new, import, compare


class ScenarioListView(PermissionRequiredMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        form = forms.ScenarioForm(initial={"from": _next_month(today), "months": 6})
        return self.page(request, form, forms.ScenarioFileForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        """A new, empty scenario: its name and horizon; changes are added on its page."""
        _require(request, ADD, "operations and marketing build scenarios")
        form = forms.ScenarioForm(request.POST)
        if form.is_valid():
            document = {**form.header(), "changes": []}
            try:
                scenario = services.scenario_save(
                    document=document, user=request.user, today=timezone.localdate()
                )
            except compute.ScenarioError as exc:
                _field_problems(form, exc.problems)
            else:
                messages.success(request, f"Scenario “{scenario.name}” created: add its changes.")
                return redirect("scenario-detail", pk=scenario.pk)
        return self.page(request, form, forms.ScenarioFileForm(), status=400)

    def page(
        self,
        request: HttpRequest,
        form: forms.ScenarioForm,
        upload: forms.ScenarioFileForm,
        *,
        upload_problems: Iterable[str] = (),
        status: int = 200,
    ) -> HttpResponse:
        scenarios = list(selectors.scenario_list(user=request.user))
        stale = selectors.scenarios_stale_ids(scenarios=scenarios)
        may_run = request.user.has_perm(CHANGE)
        rows = [
            {
                "scenario": s,
                "last": compute.month_add(s.document["from"], s.document["months"] - 1),
                "changes": len(s.document.get("changes", [])),
                "has_results": s.has_results,
                "current": s.has_results and s.ran_document == s.document,
                "stale": s.pk in stale,
                "can_run": may_run and s.pk in stale and s.status not in WORKING,
            }
            for s in scenarios
        ]
        context = {
            "rows": rows, "form": form, "upload": upload,
            "upload_problems": list(upload_problems), "max_compared": MAX_COMPARED,
            "comparable": sum(r["has_results"] for r in rows),
            "run_forms": [r["scenario"].pk for r in rows if r["can_run"]],
        }  # fmt: skip
        return render(request, "scenarios/list.html", context, status=status)


class ScenarioImportView(ScenarioListView):
    """A scenario file uploaded (as exported here, or written for `scenario run`)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return redirect("scenario-list")

    def post(self, request: HttpRequest) -> HttpResponse:
        _require(request, ADD, "operations and marketing build scenarios")
        upload = forms.ScenarioFileForm(request.POST, request.FILES)
        problems: list[str] = []
        if upload.is_valid():
            try:
                scenario = services.scenario_save(
                    document=upload.cleaned_data["file"], user=request.user,
                    today=timezone.localdate(),
                )  # fmt: skip
            except compute.ScenarioError as exc:
                problems = exc.lines()
            else:
                messages.success(request, f"Scenario “{scenario.name}” imported.")
                return redirect("scenario-detail", pk=scenario.pk)
        today = timezone.localdate()
        form = forms.ScenarioForm(initial={"from": _next_month(today), "months": 6})
        return self.page(request, form, upload, upload_problems=problems, status=400)


def _field_problems(form: forms.ScenarioForm, problems: Iterable[tuple[str, str]]) -> None:
    """The file's problems on the name/horizon form: by field where they name one."""
    for path, message in problems:
        if path in form.fields:
            form.add_error(path, message)
        else:
            form.add_error(None, f"{path}: {message}" if path else message)


# ---------------------------------------------------------------------------------------------
# One scenario


def _choices(user: User, today: date) -> forms.Choices:
    providers = (
        clinic_selectors.provider_list(user=user)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=today))
        .order_by("name")
    )
    return forms.Choices(
        clinics=[(c.code, f"{c.code} {c.name}") for c in clinic_selectors.clinic_list(user=user)],
        providers=[(p.npi, f"{p.name} ({p.credential}, {p.npi})") for p in providers],
        templates=[(t.code, f"{t.code} — {t.name}") for t in clinic_selectors.template_list()],
        service_lines=[
            (s.code, f"{s.code} {s.name}") for s in ServiceLine.objects.order_by("code")
        ],
        visit_types=[
            (v.code, f"{v.code} {v.name} ({v.minutes} min)")
            for v in VisitType.objects.order_by("code")
        ],
    )


def _template_blocks(code: str) -> list[dict[str, Any]]:
    """An existing template's blocks as the template form's rows."""
    rows = TemplateBlock.objects.filter(template__code=code).select_related("visit_type")
    return [
        {"weekday": clinic_compute.WEEKDAYS[b.weekday], "start": b.start, "end": b.end,
         "visit_type": b.visit_type.code if b.visit_type else ""}
        for b in rows.order_by("weekday", "start")
    ]  # fmt: skip


def _change_forms(
    request: HttpRequest, today: date, bound: forms.ChangeForm | None = None
) -> list[forms.ChangeForm]:
    """One form per kind of change; `bound` (posted with problems) in its kind's place."""
    choices = _choices(request.user, today)
    out = []
    for kind in compute.CHANGE_KEYS:
        if bound is not None and bound.kind == kind:
            out.append(bound)
        elif kind == "template" and (code := request.GET.get("blocks_of")):
            name = clinic_selectors.template_list().filter(code=code).values_list("name", flat=True)
            out.append(
                forms.change_form(
                    kind, choices=choices, blocks=_template_blocks(code),
                    initial={"code": code, "name": name.first() or ""},
                )
            )  # fmt: skip
        else:
            out.append(forms.change_form(kind, choices=choices))
    return out


def _described(document: Mapping[str, Any]) -> list[str]:
    """Each stored change in a line. A stored file held when it was saved; reading it as of
    long ago describes it even after its dates have passed."""
    try:
        parsed = compute.read(document, today=date(1900, 1, 1))
    except compute.ScenarioError:
        return [json.dumps(c) for c in document.get("changes", [])]
    return [c.describe() for c in parsed.changes]


def _results_context(results: Mapping[str, Any]) -> dict[str, Any]:
    codes = results["clinics"]
    clinics = {c.code: c for c in Clinic.objects.filter(code__in=codes)}
    rows = results["rows"]
    totals = charts.month_totals(rows)
    views = []
    if len(codes) > 1:
        bands = {_band(clinics.get(c)) for c in codes}
        hots = {float(clinics[c].hot_threshold) for c in codes if c in clinics}
        views.append(
            charts.View(
                label=f"All {len(codes)} clinics", totals=totals,
                band=next(iter(bands)) if len(bands) == 1 else None,
                hot=next(iter(hots)) if len(hots) == 1 else None,
            )
        )  # fmt: skip
    for code in codes:
        clinic = clinics.get(code)
        views.append(
            charts.View(
                label=f"{code} {clinic.name}" if clinic else code,
                totals=charts.month_totals(rows, clinics=[code]), band=_band(clinic),
                hot=float(clinic.hot_threshold) if clinic else None,
            )
        )  # fmt: skip
    per_clinic = []
    for code in codes:
        clinic = clinics.get(code)
        mine = sorted((r for r in rows if r["clinic"] == code), key=lambda r: r["period"])
        per_clinic.append(
            {
                "code": code,
                "name": clinic.name if clinic else "(no longer in the network)",
                "band": f"{percent(clinic.band_low)} – {percent(clinic.band_high)}"
                if clinic else "n/a",
                "months": [
                    {
                        **_total_cells(r),
                        "binding_current": _binding(r["binding_constraint_current"]),
                        "binding_scenario": _binding(r["binding_constraint_scenario"]),
                        "binding_changed": r["binding_constraint_current"]
                        != r["binding_constraint_scenario"],
                        "hot_current": _hot(r["utilization_current"], clinic),
                        "hot_scenario": _hot(r["utilization_scenario"], clinic),
                    }
                    for r in mine
                ],
            }
        )  # fmt: skip
    tnaa = [
        {
            "clinic": t["clinic"],
            "patients": "New" if t["is_new_patient"] else "Established",
            "current": days(t["days_current"]), "scenario": days(t["days_scenario"]),
            "change": "n/a" if _missing(t["days_current"]) or _missing(t["days_scenario"])
            else _days_change(t["days_scenario"] - t["days_current"]),
            "dir": "same" if _missing(t["days_current"]) or _missing(t["days_scenario"])
            else direction(t["days_scenario"] - t["days_current"]),
            "providers_current": t["providers_current"] or 0,
            "providers_scenario": t["providers_scenario"] or 0,
            "censored_current": t["censored_current"] or 0,
            "censored_scenario": t["censored_scenario"] or 0,
        }
        for t in results["tnaa"]
    ]  # fmt: skip
    return {
        "periods": results["periods"],
        "reached": [{"code": c, "name": clinics[c].name if c in clinics else ""} for c in codes],
        "totals": [_total_cells(r) for r in totals.to_dict("records")],
        "horizon": _total_cells(charts.horizon_total(totals)) if len(totals) else None,
        "per_clinic": per_clinic,
        "tnaa": tnaa,
        "charts": {
            "available-chart": charts.available_minutes(views),
            "utilization-chart": charts.utilization(views),
            "caps-chart": charts.np_caps(views),
        }
        if views
        else {},
    }


def detail_page(
    request: HttpRequest,
    scenario: Scenario,
    *,
    settings_form: forms.ScenarioForm | None = None,
    bound: forms.ChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    applied = scenario.status == Scenario.Status.APPLIED
    editable = user.has_perm(CHANGE) and not applied
    document = scenario.document
    if settings_form is None:
        settings_form = forms.ScenarioForm(
            initial={"name": document["name"], "from": document["from"],
                     "months": document["months"]}
        )  # fmt: skip
    staleness = selectors.scenario_staleness(scenario=scenario)
    open_kind = bound.kind if bound is not None else request.GET.get("add", "")
    if request.GET.get("blocks_of"):
        open_kind = "template"
    context = {
        "scenario": scenario,
        "document": document,
        "last": compute.month_add(document["from"], document["months"] - 1),
        "changes": _described(document),
        "editable": editable,
        "can_run": editable and scenario.status not in WORKING,
        "can_apply": user.has_perm(APPLY) and scenario.status == Scenario.Status.DONE
        and scenario.is_current and not staleness.stale,
        "staleness": staleness,
        "can_delete": user.has_perm(DELETE),
        "can_copy": user.has_perm(ADD),
        "may_apply": user.has_perm(APPLY),
        "working": scenario.status in WORKING,
        "settings_form": settings_form,
        "change_forms": _change_forms(request, today, bound) if editable else [],
        "labels": compute.CHANGE_LABELS,
        "open_kind": open_kind,
        "templates": [(t.code, t.name) for t in clinic_selectors.template_list()]
        if editable else [],
        "today": today,
    }  # fmt: skip
    if scenario.results is not None:
        context.update(_results_context(scenario.results))
    return render(request, "scenarios/detail.html", context, status=status)


class ScenarioDetailView(PermissionRequiredMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return detail_page(request, _scenario(request, pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The scenario's name and horizon."""
        _require(request, CHANGE, "operations and marketing edit scenarios")
        scenario = _scenario(request, pk)
        form = forms.ScenarioForm(request.POST)
        if form.is_valid():
            document = {**form.header(), "changes": scenario.document["changes"]}
            try:
                services.scenario_save(
                    document=document, user=request.user, today=timezone.localdate(),
                    scenario=scenario,
                )  # fmt: skip
            except compute.ScenarioError as exc:
                _field_problems(form, exc.problems)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("scenario-detail", pk=pk)
            else:
                messages.success(request, "Saved the name and horizon.")
                return redirect("scenario-detail", pk=pk)
        scenario.refresh_from_db()
        return detail_page(request, scenario, settings_form=form, status=400)


class ScenarioChangeAddView(PermissionRequiredMixin, View):
    """One change added at the end of the scenario's list: the whole file is saved again."""

    permission_required = VIEW

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, CHANGE, "operations and marketing edit scenarios")
        scenario = _scenario(request, pk)
        kind = request.POST.get("kind", "")
        if kind not in compute.CHANGE_KEYS:
            raise Http404(f"no kind of change {kind[:40]!r}")
        today = timezone.localdate()
        form = forms.change_form(kind, choices=_choices(request.user, today), data=request.POST)
        if form.is_valid():
            changes = list(scenario.document["changes"])
            index = len(changes)
            document = {**scenario.document, "changes": [*changes, form.change()]}
            try:
                services.scenario_save(
                    document=document, user=request.user, today=today, scenario=scenario
                )
            except compute.ScenarioError as exc:
                _change_problems(form, exc.problems, index=index)
            except DomainError as exc:
                messages.error(request, exc.message)
                return redirect("scenario-detail", pk=pk)
            else:
                added = _described(scenario.document)[index:]
                messages.success(request, "Added: " + "; ".join(added))
                return redirect(reverse("scenario-detail", args=[pk]) + "#changes")
            scenario.refresh_from_db()
        return detail_page(request, scenario, bound=form, status=400)


def _change_problems(
    form: forms.ChangeForm, problems: Iterable[tuple[str, str]], *, index: int
) -> None:
    """Problems of the new change beside its fields; the others (an earlier change that no
    longer holds, the horizon) above the form, with their paths."""
    mine = f"changes[{index}]"
    for path, message in problems:
        if path == mine or path.startswith((f"{mine}.", f"{mine}[")):
            rest = path[len(mine) :].lstrip(".")
            rest = rest[len(form.kind) :].lstrip(".") if rest.startswith(form.kind) else rest
            form.add_problem(rest, message)
        else:
            form.general.append(f"{path}: {message}" if path else message)


class ScenarioChangeRemoveView(PermissionRequiredMixin, View):
    permission_required = VIEW

    def post(self, request: HttpRequest, pk: int, index: int) -> HttpResponse:
        _require(request, CHANGE, "operations and marketing edit scenarios")
        scenario = _scenario(request, pk)
        changes = list(scenario.document["changes"])
        if index >= len(changes):
            raise Http404(f"no change {index}")
        removed = _described(scenario.document)[index]
        document = {**scenario.document, "changes": changes[:index] + changes[index + 1 :]}
        try:
            services.scenario_save(
                document=document, user=request.user, today=timezone.localdate(),
                scenario=scenario,
            )  # fmt: skip
        except compute.ScenarioError as exc:
            messages.error(request, f"“{removed}” cannot be removed: " + "; ".join(exc.lines()))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Removed: {removed}")
        return redirect(reverse("scenario-detail", args=[pk]) + "#changes")


class ScenarioRunView(PermissionRequiredMixin, View):
    permission_required = VIEW

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, CHANGE, "operations and marketing run scenarios")
        scenario = _scenario(request, pk)
        if not scenario.document["changes"]:
            messages.error(request, "Add a change first: with none, the scenario is the plan.")
            return redirect("scenario-detail", pk=pk)
        if scenario.status in WORKING:
            messages.info(request, "This scenario is already running.")
            return redirect("scenario-detail", pk=pk)
        try:
            services.scenario_run_enqueue(scenario=scenario)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("scenario-detail", pk=pk)


class ScenarioStatusView(PermissionRequiredMixin, View):
    """The run's state for the page to follow: status, progress, problems."""

    permission_required = VIEW

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        s = get_object_or_404(
            Scenario.objects.only("status", "progress_done", "progress_total", "problems"), pk=pk
        )
        return JsonResponse(
            {"status": s.status, "progress": s.progress, "done": s.progress_done,
             "total": s.progress_total, "problems": s.problems}
        )  # fmt: skip


class ScenarioExportView(PermissionRequiredMixin, View):
    """The scenario file as it is stored, to keep, share or run with `scenario run`."""

    permission_required = VIEW

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        scenario = _scenario(request, pk)
        body = json.dumps(scenario.document, indent=2, ensure_ascii=False) + "\n"
        response = HttpResponse(body, content_type="application/json")
        filename = f"{slugify(scenario.name) or 'scenario'}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ScenarioCopyView(PermissionRequiredMixin, View):
    """A new scenario with the same file: to plan further from an applied one."""

    permission_required = VIEW

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        _require(request, ADD, "operations and marketing build scenarios")
        original = _scenario(request, pk)
        name = f"Copy of {original.name}"[:200]
        try:
            copy = services.scenario_save(
                document={**original.document, "name": name}, user=request.user,
                today=timezone.localdate(),
            )  # fmt: skip
        except compute.ScenarioError as exc:
            messages.error(request, "It cannot be copied as it is: " + "; ".join(exc.lines()))
            return redirect("scenario-detail", pk=pk)
        messages.success(request, f"Copied to “{copy.name}”.")
        return redirect("scenario-detail", pk=copy.pk)


class ScenarioDeleteView(PermissionRequiredMixin, View):
    permission_required = DELETE

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        scenario = _scenario(request, pk)
        return render(
            request, "scenarios/delete.html",
            {"scenario": scenario, "changes": _described(scenario.document)},
        )  # fmt: skip

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        scenario = _scenario(request, pk)
        name = scenario.name
        services.scenario_delete(scenario=scenario)
        messages.success(request, f"Deleted the scenario “{name}”. The network is unchanged.")
        return redirect("scenario-list")


class ScenarioApplyView(PermissionRequiredMixin, View):
    """Write the scenario's changes to the network, after a confirmation page."""

    permission_required = APPLY

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        scenario = _scenario(request, pk)
        results = scenario.results or {}
        staleness = selectors.scenario_staleness(scenario=scenario)
        context = {
            "scenario": scenario, "changes": _described(scenario.document),
            "reached": results.get("clinics", []), "staleness": staleness,
            "ready": scenario.status == Scenario.Status.DONE and scenario.is_current
            and not staleness.stale,
            "can_run": request.user.has_perm(CHANGE) and scenario.status not in WORKING,
        }  # fmt: skip
        return render(request, "scenarios/apply.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        scenario = _scenario(request, pk)
        try:
            scenario = services.scenario_apply(
                scenario=scenario, user=request.user, today=timezone.localdate()
            )
        except DomainError as exc:
            messages.error(request, f"Not applied: {exc.message}")
        except compute.ScenarioError as exc:
            messages.error(request, "Not applied: " + "; ".join(exc.lines()))
        else:
            messages.success(
                request,
                f"Applied “{scenario.name}” to the network; its imports' history keeps it as "
                f"“scenario: {scenario.name}”. Utilization and caps are being recomputed.",
            )
        return redirect("scenario-detail", pk=pk)


# ---------------------------------------------------------------------------------------------
# Compare


class ScenarioCompareView(PermissionRequiredMixin, View):
    permission_required = VIEW

    def get(self, request: HttpRequest) -> HttpResponse:
        asked = []
        for text in request.GET.getlist("ids"):
            if text.isdigit() and int(text) not in asked:
                asked.append(int(text))
        if len(asked) > MAX_COMPARED:
            messages.warning(
                request,
                f"{len(asked)} scenarios were ticked; up to {MAX_COMPARED} are compared at once: "
                f"these are the first {MAX_COMPARED}.",
            )
            asked = asked[:MAX_COMPARED]
        scenarios = selectors.scenarios_compared(ids=asked)
        staleness = selectors.scenarios_staleness(scenarios=scenarios)
        may_run = request.user.has_perm(CHANGE)
        found = {s.pk for s in scenarios}
        missing = selectors.scenario_list(user=request.user).filter(
            pk__in=[i for i in asked if i not in found]
        )
        for s in missing:
            messages.warning(request, f"“{s.name}” has no results yet: run it to compare it.")
        items = [
            charts.Compared(label=s.name, totals=charts.month_totals(s.results["rows"]))
            for s in scenarios
        ]
        shared = _shared_current(items)
        summary = []
        for s, item in zip(scenarios, items, strict=True):
            total = charts.horizon_total(item.totals) if len(item.totals) else None
            summary.append(
                {
                    "scenario": s, "clinics": s.results["clinics"],
                    "first": s.results["periods"][0] if s.results["periods"] else "",
                    "last": s.results["periods"][-1] if s.results["periods"] else "",
                    "changes": s.results["changes"], "current": s.is_current,
                    "staleness": staleness[s.pk],
                    "can_run": may_run and staleness[s.pk].stale and s.status not in WORKING,
                    "total": _total_cells(total) if total else None,
                    "available_share": percent(
                        total["available_minutes_change"] / total["available_minutes_current"]
                    )
                    if total and total["available_minutes_current"] else "n/a",
                }
            )  # fmt: skip
        reached = [set(s.results["clinics"]) for s in scenarios]
        context = {
            "summary": summary,
            "shared_current": shared,
            "same_clinics": len({frozenset(r) for r in reached}) <= 1,
            "charts": {
                "compare-available": charts.compare(items, "available_minutes",
                                                    shared_current=shared),
                "compare-utilization": charts.compare(items, "utilization",
                                                      shared_current=shared),
                "compare-caps": charts.compare(items, "np_cap", shared_current=shared),
            }
            if items
            else {},
            "colors": charts.SERIES,
        }  # fmt: skip
        return render(request, "scenarios/compare.html", context)


def _shared_current(items: list[charts.Compared]) -> bool:
    """Whether every compared scenario has the same current plan: the same months and the same
    current figures (the same clinics, run on the same network)."""
    if not items:
        return False
    columns = ["period", "available_minutes_current", "np_cap_current", "forecast_minutes"]
    first = items[0].totals[columns].reset_index(drop=True)
    return all(item.totals[columns].reset_index(drop=True).equals(first) for item in items[1:])
