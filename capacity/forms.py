from __future__ import annotations

import json
from typing import Any

from django import forms

MAX_UPLOAD = 200 * 1024 * 1024


class AppointmentImportForm(forms.Form):
    file = forms.FileField(help_text="A CSV export, or a FHIR R4 Bundle (JSON).")
    file_format = forms.ChoiceField(
        label="Format", choices=[("csv", "CSV"), ("fhir", "FHIR R4 Bundle")], initial="csv"
    )
    mapping = forms.FileField(
        required=False,
        help_text="For a CSV that is not in the canonical columns: a mapping file (JSON).",
    )
    source = forms.CharField(
        max_length=64,
        required=False,
        help_text="Where the rows come from, e.g. the practice-management system; "
        "re-importing from the same source updates rows by appointment id. Default: file name.",
    )
    dry_run = forms.BooleanField(
        required=False, label="Check only (dry run): report problems, write nothing"
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("the file is larger than 200 MB; use the command line")
        return upload

    def clean_mapping(self) -> Any:
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return None
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"the mapping is not a JSON file: {exc}") from exc
