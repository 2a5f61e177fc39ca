"""Forms of the scenario pages: the scenario's name and horizon, an uploaded scenario file,
and one small form per kind of change (compute.CHANGE_KEYS).

The forms only turn what was typed into the scenario file's values (DESIGN §4); the rules
(FTE at most 1.0, rooms not below zero, dates not before today, blocks not overlapping, codes
that exist) are the scenario file's own, checked by services.scenario_save, whose problems
name the file's keys. Each change form's fields are named after those keys, so a problem at
`changes[3].add_provider.fte` is shown beside the form's `fte`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from django import forms

from clinics.models import Credential
from scenarios import compute

MAX_FILE = 1024 * 1024
WEEKDAY_CHOICES = [(d, d.capitalize()) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
BLOCK_ROWS = 8  # empty block rows offered by the template form, beyond the ones filled in


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _weekdays(required: bool = True) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple, required=required
    )


class ScenarioForm(forms.Form):
    """A scenario's name and horizon: its first month and how many months it plans."""

    name = forms.CharField(max_length=200)
    months = forms.IntegerField(
        initial=6, help_text=f"1 to {compute.MAX_MONTHS}", widget=forms.NumberInput({"min": 1})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is the file's key and a Python keyword: the field is added by name.
        self.fields["from"] = forms.CharField(
            label="From month",
            help_text="YYYY-MM, this month or later",
            widget=forms.TextInput({"type": "month", "placeholder": "YYYY-MM"}),
        )
        self.order_fields(["name", "from", "months"])

    def header(self) -> dict[str, Any]:
        """The file's name, from and months."""
        data = self.cleaned_data
        return {"name": data["name"], "from": data["from"], "months": data["months"]}


class ScenarioFileForm(forms.Form):
    file = forms.FileField(
        label="Scenario file", help_text="A scenario file (JSON), as exported from this page or "
        "run by `manage.py scenario run`."
    )  # fmt: skip

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE:
            raise forms.ValidationError("a scenario file is at most 1 MB")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"not a JSON file: {exc}") from None


# ---------------------------------------------------------------------------------------------
# Changes


class Choices:
    """Select choices from the network as it is: clinics, providers, templates, service lines
    and visit types, each a list of (code, label)."""

    def __init__(
        self,
        *,
        clinics: Iterable[tuple[str, str]],
        providers: Iterable[tuple[str, str]],
        templates: Iterable[tuple[str, str]],
        service_lines: Iterable[tuple[str, str]],
        visit_types: Iterable[tuple[str, str]],
    ) -> None:
        blank = [("", "—")]
        self.clinics = blank + list(clinics)
        self.providers = blank + list(providers)
        self.templates = blank + list(templates)
        self.service_lines = blank + list(service_lines)
        self.visit_types = list(visit_types)


class ChangeForm(forms.Form):
    """One change of a kind; its field names are the kind's keys in the scenario file."""

    kind = ""
    description = ""
    dates: tuple[str, ...] = ()

    def __init__(self, *args: Any, choices: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.choices = choices
        for key in self.dates:  # "from" is a keyword; both are dates of the file
            self.fields[key] = forms.DateField(
                label="From" if key == "from" else "Start", widget=_date_input()
            )
        self.build()
        required, optional = compute.CHANGE_KEYS[self.kind]
        self.order_fields([*required, *optional])
        self.general: list[str] = []  # problems of this change not tied to one field

    @property
    def label(self) -> str:
        return compute.CHANGE_LABELS[self.kind]

    def has_problems(self) -> bool:
        """Whether it was posted and refused, by the form or by the scenario file's rules."""
        return self.is_bound and bool(self.errors or self.general)

    def build(self) -> None:
        """Add the fields that need the network's choices."""

    def select(self, name: str, options: list[tuple[str, str]], **kw: Any) -> None:
        self.fields[name] = forms.ChoiceField(choices=options, **kw)

    def values(self) -> dict[str, Any]:
        """The change as the scenario file writes it."""
        out: dict[str, Any] = {}
        required, optional = compute.CHANGE_KEYS[self.kind]
        for key in (*required, *optional):
            if key not in self.fields:
                continue
            value = self.cleaned_data.get(key)
            if key in optional and value in (None, "", []):
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, time):
                value = value.strftime("%H:%M")
            out[key] = value
        return out

    def change(self) -> dict[str, Any]:
        return {self.kind: self.values()}

    def add_problem(self, rest: str, message: str) -> None:
        """A problem of this change, `rest` being the path after `changes[i].kind`."""
        key = rest.split(".", 1)[0].split("[", 1)[0]
        if key in self.fields:
            self.add_error(key, message)
        else:
            self.general.append(f"{rest}: {message}" if rest else message)


class AddProviderForm(ChangeForm):
    kind = "add_provider"
    description = (
        "A new hire on a standard template at one clinic, filling their schedule "
        "over the first months."
    )
    dates = ("start",)
    npi = forms.CharField(
        label="NPI", max_length=10, help_text="10 digits; the new provider's own NPI"
    )
    name = forms.CharField(max_length=200)
    credential = forms.ChoiceField(choices=[("", "—"), *Credential.choices])
    fte = forms.FloatField(
        label="FTE", help_text="Above 0, at most 1.0",
        widget=forms.NumberInput({"step": "0.05"}),
    )  # fmt: skip
    weekdays = _weekdays()
    ramp_months = forms.IntegerField(
        label="Ramp-up months", required=False, initial=compute.DEFAULT_RAMP_MONTHS,
        help_text="Supply grows from 1/n to full over n months; 0 = full from the start",
    )  # fmt: skip

    def build(self) -> None:
        self.select("service_line", self.choices.service_lines, label="Service line")
        self.select("clinic", self.choices.clinics)
        self.select("template", self.choices.templates)


class RemoveProviderForm(ChangeForm):
    kind = "remove_provider"
    description = "A provider leaves: no supply from this day on."
    dates = ("from",)

    def build(self) -> None:
        self.select("npi", self.choices.providers, label="Provider")


class ReduceProviderForm(ChangeForm):
    kind = "reduce_provider"
    description = "A provider works less from a day: a lower FTE, and fewer weekdays if ticked."
    dates = ("from",)
    fte = forms.FloatField(label="New FTE", widget=forms.NumberInput({"step": "0.05"}))
    weekdays = _weekdays(required=False)

    def build(self) -> None:
        self.select("npi", self.choices.providers, label="Provider")
        self.fields["weekdays"].help_text = "The days they keep; none ticked keeps every day"


class ClinicHoursForm(ChangeForm):
    kind = "clinic_hours"
    description = (
        "Open earlier or close later (or shorten the day) on some weekdays; the "
        "providers working the edge of the day work the new time."
    )
    dates = ("from",)
    weekdays = _weekdays()
    open = forms.TimeField(label="Opens", widget=_time_input())
    close = forms.TimeField(label="Closes", widget=_time_input())

    def build(self) -> None:
        self.select("clinic", self.choices.clinics)
        self.select(
            "visit_type", [("", "as at the edge of the day"), *self.choices.visit_types],
            required=False, label="Visit type of the added time",
        )  # fmt: skip


class ExamRoomsForm(ChangeForm):
    kind = "exam_rooms"
    description = "Add or remove exam rooms: the number of rooms the clinic will have."
    rooms = forms.IntegerField(label="Exam rooms")

    def build(self) -> None:
        self.select("clinic", self.choices.clinics)


class SwapTemplateForm(ChangeForm):
    kind = "swap_template"
    description = "A provider works another template at a clinic from a day."
    dates = ("from",)

    def build(self) -> None:
        self.select("npi", self.choices.providers, label="Provider")
        self.select("clinic", self.choices.clinics)
        self.select("template", self.choices.templates, label="New template")


class TargetUtilizationForm(ChangeForm):
    kind = "target_utilization"
    description = "The share of a clinic's minutes its caps plan to fill."
    value = forms.FloatField(
        label="Target utilization", help_text="A fraction: 0.85 = 85 %",
        widget=forms.NumberInput({"step": "0.01"}),
    )  # fmt: skip

    def build(self) -> None:
        self.select("clinic", self.choices.clinics)


class BlockForm(forms.Form):
    weekday = forms.ChoiceField(choices=[("", "—"), *WEEKDAY_CHOICES], required=False)
    start = forms.TimeField(required=False, widget=_time_input())
    end = forms.TimeField(required=False, widget=_time_input())
    visit_type = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, visit_types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visit_type"].choices = [("", "blocked time"), *visit_types]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in ("weekday", "start", "end"))

    def value(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "weekday": data.get("weekday") or None,
            "start": data["start"].strftime("%H:%M") if data.get("start") else None,
            "end": data["end"].strftime("%H:%M") if data.get("end") else None,
            "visit_type": data.get("visit_type") or None,
        }


class TemplateForm(ChangeForm):
    """A template's blocks: an existing template edited (its code) or a new one."""

    kind = "template"
    description = (
        "Edit a template's blocks (its code) or create a new template; every "
        "provider working it gets the new week."
    )
    code = forms.CharField(
        max_length=32, help_text="An existing template's code to edit it, a new code to add one"
    )
    name = forms.CharField(max_length=200)

    def __init__(
        self, *args: Any, choices: Choices, blocks: list[dict[str, Any]] | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, choices=choices, **kw)
        initial = blocks or []
        Blocks = forms.formset_factory(BlockForm, extra=BLOCK_ROWS)
        self.blocks = Blocks(
            self.data or None, prefix=f"{self.prefix}-blocks", initial=initial,
            form_kwargs={"visit_types": choices.visit_types},
        )  # fmt: skip

    def is_valid(self) -> bool:
        return super().is_valid() & self.blocks.is_valid()

    def has_problems(self) -> bool:
        return super().has_problems() or (self.is_bound and any(b.errors for b in self.blocks))

    def filled(self) -> list[BlockForm]:
        return [b for b in self.blocks if not b.is_blank()]

    def values(self) -> dict[str, Any]:
        out = super().values()
        out["blocks"] = [b.value() for b in self.filled()]
        return out

    def add_problem(self, rest: str, message: str) -> None:
        if rest.startswith("blocks["):
            index = int(rest[len("blocks[") : rest.index("]")])
            filled = self.filled()
            if index < len(filled):
                key = rest.split(".", 1)[1] if "." in rest else ""
                form = filled[index]
                if key in form.fields:
                    form.add_error(key, message)
                else:
                    form.add_error(None, message)
                return
        if rest == "blocks" and not self.filled():
            self.add_error(None, f"blocks: {message}")
            return
        super().add_problem(rest, message)


CHANGE_FORMS: dict[str, type[ChangeForm]] = {
    f.kind: f
    for f in (
        AddProviderForm, RemoveProviderForm, ReduceProviderForm, ClinicHoursForm,
        ExamRoomsForm, SwapTemplateForm, TemplateForm, TargetUtilizationForm,
    )
}  # fmt: skip


def change_form(
    kind: str, *, choices: Choices, data: Mapping[str, Any] | None = None, **kwargs: Any
) -> ChangeForm:
    return CHANGE_FORMS[kind](data, choices=choices, **kwargs)
