"""Forms of the scorecard pages: they parse what was typed; the services decide the rules."""

from __future__ import annotations

from datetime import date

from django import forms

from scorecards import compute, importers, selectors
from scorecards.models import KPI, Frequency, Source, TargetSource

# ---------------------------------------------------------------------------------------------
# section A: notes on red KPIs, the maturity assessment


class KpiNoteForm(forms.Form):
    """What the owner of a red KPI says is behind it, and what will be done."""

    text = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What is behind the number.",
    )  # fmt: skip
    action = forms.CharField(
        label="Action", max_length=300, required=False,
        help_text="What will be done, by whom and by when.",
    )  # fmt: skip


SCORE_PREFIX = "score_"


class MaturityForm(forms.Form):
    """A dated assessment: one 1–5 score per configured dimension, read against its rubric.

    Fields are `score_<dimension code>`; `scores()` hands them to `services.maturity_save`,
    whose errors (keyed by dimension code) `add_service_errors` puts back on the fields.
    """

    assessed_on = forms.DateField(
        label="Assessed on", widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Evidence for the scores, and what would move them up a level.",
    )  # fmt: skip

    def __init__(self, *args, dimensions, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.dimensions = list(dimensions)
        self.fields["assessed_on"].initial = today
        for d in self.dimensions:
            levels = sorted(d.rubric.items(), key=lambda item: int(item[0]))
            choices = [(int(k), f"{k} — {text}") for k, text in levels]
            self.fields[SCORE_PREFIX + d.code] = forms.TypedChoiceField(
                label=d.name, coerce=int, choices=[("", "— score 1 to 5 —"), *choices],
                error_messages={"required": f"score {d.name} from 1 to 5"},
            )  # fmt: skip
        self.order_fields(["assessed_on", *(SCORE_PREFIX + d.code for d in self.dimensions)])

    def score_fields(self):
        return [self[SCORE_PREFIX + d.code] for d in self.dimensions]

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > self.today:
            raise forms.ValidationError(f"{day:%Y-%m-%d} is in the future; date what was seen")
        return day

    def scores(self) -> dict[str, int]:
        return {d.code: self.cleaned_data[SCORE_PREFIX + d.code] for d in self.dimensions}

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        codes = {d.code for d in self.dimensions}
        for key, problems in message_dict.items():
            self.add_error(SCORE_PREFIX + key if key in codes else None, problems)


# ---------------------------------------------------------------------------------------------
# section C: entered values, KPI CSV import, targets


MAX_KPI_FILE = 10 * 1024 * 1024


class _ServiceErrorsMixin:
    """Puts a service's ValidationError (keyed by field) back on the form's fields."""

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        for key, problems in message_dict.items():
            self.add_error(key if key in self.fields else None, problems)


def _number(text: str) -> float | None:
    try:
        return importers.number_parse(text)
    except ValueError as exc:
        raise forms.ValidationError(str(exc)) from None


class MeasurementForm(_ServiceErrorsMixin, forms.Form):
    """One entered KPI value; the number fields are text so that the import's messages apply."""

    kpi = forms.ModelChoiceField(
        label="KPI", to_field_name="code", empty_label="— choose a KPI —",
        queryset=KPI.objects.filter(source=Source.ENTERED, active=True).order_by("name"),
    )  # fmt: skip
    scope = forms.ChoiceField(label="Scope")
    period = forms.CharField(
        max_length=7, help_text="YYYY-MM for a monthly KPI, YYYY-Qn for a quarterly one."
    )
    value = forms.CharField(
        required=False,
        help_text="Fractions as 0.87 for 87 %; money in dollars. Empty: numerator ÷ denominator.",
    )
    numerator = forms.CharField(required=False, help_text="Optional, with the denominator.")
    denominator = forms.CharField(required=False, help_text="e.g. survey responses.")
    note = forms.CharField(max_length=300, required=False, help_text="Source, caveats.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = selectors.scope_choices()

    def clean_value(self) -> float | None:
        return _number(self.cleaned_data["value"])

    def clean_numerator(self) -> float | None:
        return _number(self.cleaned_data["numerator"])

    def clean_denominator(self) -> float | None:
        return _number(self.cleaned_data["denominator"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        scope_type, scope_code = importers.scope_parse(data["scope"])
        return {
            "kpi": data["kpi"], "scope_type": scope_type, "scope_code": scope_code,
            "period": data["period"], "value": data["value"], "numerator": data["numerator"],
            "denominator": data["denominator"], "note": data["note"],
        }  # fmt: skip


class MeasurementImportForm(forms.Form):
    file = forms.FileField(label="KPI file (CSV)")
    dry_run = forms.BooleanField(
        required=False, label="Check only (dry run): report problems, write nothing"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_KPI_FILE:
            raise forms.ValidationError("the file is larger than 10 MB; split it or use the API")
        return upload


def _month_first(text: str) -> date:
    """A typed month YYYY-MM → its first day."""
    try:
        period = compute.period_parse(text)
    except ValueError:
        period = None
    if period is None or period.kind != compute.MONTH:
        raise forms.ValidationError(f"“{text}” is not a month: use YYYY-MM, e.g. 2026-01")
    return period.first


class TargetForm(_ServiceErrorsMixin, forms.Form):
    """A board or benchmark target: months as YYYY-MM, thresholds as the KPI's values."""

    kpi = forms.ModelChoiceField(
        label="KPI", to_field_name="code", empty_label="— choose a KPI —",
        queryset=KPI.objects.filter(active=True).order_by("name"),
    )  # fmt: skip
    scope = forms.ChoiceField(label="Scope")
    period_from = forms.CharField(
        label="From month", widget=forms.TextInput(attrs={"placeholder": "2026-01"}),
        help_text="The first month it applies to (YYYY-MM).",
    )  # fmt: skip
    period_to = forms.CharField(
        label="To month", required=False,
        widget=forms.TextInput(attrs={"placeholder": "2026-12"}),
        help_text="The last month (YYYY-MM); empty: until replaced.",
    )  # fmt: skip
    period_kind = forms.ChoiceField(
        label="Applies to",
        choices=[("", "Months and quarters"), (Frequency.MONTH, "Months only"),
                 (Frequency.QUARTER, "Quarters only")],
        required=False,
        help_text="A sum (revenue, referrals) needs separate month and quarter targets.",
    )  # fmt: skip
    green_min = forms.FloatField(label="Green from", required=False)
    green_max = forms.FloatField(label="Green to", required=False)
    amber_min = forms.FloatField(label="Amber from", required=False)
    amber_max = forms.FloatField(label="Amber to", required=False)
    source = forms.ChoiceField(
        choices=[(TargetSource.BOARD, TargetSource.BOARD.label),
                 (TargetSource.BENCHMARK, TargetSource.BENCHMARK.label)],
        initial=TargetSource.BOARD,
    )  # fmt: skip
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = selectors.scope_choices()

    def clean_period_from(self) -> date:
        return _month_first(self.cleaned_data["period_from"])

    def clean_period_to(self) -> date | None:
        text = self.cleaned_data["period_to"].strip()
        return compute.month_end(_month_first(text)) if text else None

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["scope_type"], data["scope_code"] = importers.scope_parse(data.pop("scope"))
        return data

    @staticmethod
    def initial_of(target) -> dict:
        return {
            "kpi": target.kpi, "scope": _scope_key(target.scope_type, target.scope_code),
            "period_from": compute.month_label(target.period_from),
            "period_to": compute.month_label(target.period_to) if target.period_to else "",
            "period_kind": target.period_kind, "green_min": target.green_min,
            "green_max": target.green_max, "amber_min": target.amber_min,
            "amber_max": target.amber_max, "source": target.source, "note": target.note,
        }  # fmt: skip


def _scope_key(scope_type: str, scope_code: str) -> str:
    return scope_type if not scope_code else f"{scope_type}:{scope_code}"
