from __future__ import annotations

import json
from typing import Any

from django import forms

from clinics import compute
from clinics.models import Clinic


class ClinicForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = [
            "name",
            "timezone",
            "exam_rooms",
            "rooms_per_provider",
            "target_utilization",
            "cold_threshold",
            "band_low",
            "band_high",
            "hot_threshold",
            "service_lines",
        ]
        widgets = {"service_lines": forms.CheckboxSelectMultiple}


class HoursForm(forms.Form):
    """Opening hours, one open/close pair per weekday; both empty means closed."""

    def __init__(self, *args: Any, clinic: Clinic | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {h.weekday: h for h in clinic.hours.all()} if clinic else {}
        for d, code in enumerate(compute.WEEKDAYS):
            h = current.get(d)
            # Text, not type=time: browsers show 12-hour clocks there, the app speaks 24-hour.
            widget = forms.TimeInput(
                format="%H:%M", attrs={"placeholder": "HH:MM", "inputmode": "numeric"}
            )
            self.fields[f"{code}_opens"] = forms.TimeField(
                required=False, widget=widget, initial=h.opens if h else None, label=f"{code} opens"
            )
            self.fields[f"{code}_closes"] = forms.TimeField(
                required=False,
                widget=widget,
                initial=h.closes if h else None,
                label=f"{code} closes",
            )

    def days(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"{c}_opens"], self[f"{c}_closes"]) for c in compute.WEEKDAYS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hours = {}
        for d, code in enumerate(compute.WEEKDAYS):
            opens, closes = data.get(f"{code}_opens"), data.get(f"{code}_closes")
            if (opens is None) != (closes is None):
                self.add_error(f"{code}_closes", "give both opening and closing time, or neither")
            elif opens and closes:
                if closes <= opens:
                    self.add_error(f"{code}_closes", "a clinic must close after it opens")
                hours[d] = (opens, closes)
        data["hours"] = hours
        return data

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "invalid"


class NetworkFileForm(forms.Form):
    file = forms.FileField(help_text="A network file (JSON) as described in the design, §4.")
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Validate only (dry run): report problems, write nothing",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError("the file is larger than 50 MB")
        try:
            self.cleaned_data["document"] = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"not a JSON file: {exc}") from exc
        return upload
