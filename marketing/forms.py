"""Forms of the marketing pages: they parse what was typed; the services decide the rules."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import forms

from clinics.models import Clinic, ServiceLine
from marketing.models import Channel


class NetworkGoalForm(forms.Form):
    """A network-wide monthly goal for one service line, to spread over the clinics."""

    line = forms.ChoiceField(label="Service line")
    month = forms.ChoiceField(help_text="A month of the 12-month planning horizon.")
    total = forms.IntegerField(
        label="Network goal",
        min_value=0,
        help_text="New patients for the whole network that month.",
        error_messages={
            "invalid": "a whole number of new patients, 0 or more",
            "min_value": "a network goal is 0 or more new patients",
        },
    )

    def __init__(self, *args, lines: Iterable[ServiceLine], months: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {line.code: line for line in lines}
        self.fields["line"].choices = [(c, f"{line.name} ({c})") for c, line in self.lines.items()]
        self.fields["month"].choices = [(m, m) for m in months]
        self.fields["total"].widget.attrs.update(min="0", step="1")

    def clean_line(self) -> ServiceLine:
        return self.lines[self.cleaned_data["line"]]


class CampaignForm(forms.Form):
    """A campaign's fields; `services.campaign_save` checks them again with the clinics."""

    name = forms.CharField(max_length=120)
    channel = forms.ModelChoiceField(queryset=Channel.objects.all())
    service_line = forms.ModelChoiceField(queryset=ServiceLine.objects.order_by("name"))
    clinics = forms.ModelMultipleChoiceField(
        queryset=Clinic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Each must offer the campaign's service line.",
    )
    starts_on = forms.DateField(label="Starts on", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="Ends on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day, on or after the first.",
    )
    budget = forms.DecimalField(
        max_digits=12, decimal_places=2, help_text="In the group's currency; 0 or more."
    )
    expected_leads = forms.IntegerField(
        min_value=0, max_value=100_000_000, help_text="Leads the campaign should bring."
    )
    conversion = forms.DecimalField(
        max_digits=4,
        decimal_places=3,
        help_text="Share of leads expected to become new patients, above 0 and at most 1 "
        "(0.25 is one in four).",
    )

    def __init__(self, *args, clinics: Iterable[Clinic], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinics"].queryset = Clinic.objects.filter(
            pk__in=[c.pk for c in clinics]
        ).order_by("code")
        self.fields["clinics"].label_from_instance = lambda c: f"{c.code} {c.name}"

    def clean_budget(self) -> Decimal:
        budget = self.cleaned_data["budget"]
        if budget < 0:
            raise forms.ValidationError("a budget is 0 or more")
        return budget

    def clean_conversion(self) -> Decimal:
        rate = self.cleaned_data["conversion"]
        if not 0 < rate <= 1:
            raise forms.ValidationError(
                "a share of leads above 0 and at most 1, e.g. 0.25 for one lead in four"
            )
        return rate

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "a campaign ends on or after its first day")
        # Checked here too, so that it shows with the other mistakes rather than after them.
        line, clinics = data.get("service_line"), data.get("clinics")
        if line and clinics:
            wrong = sorted(c.code for c in clinics if line not in c.service_lines.all())
            if wrong:
                verb = "does" if len(wrong) == 1 else "do"
                self.add_error("clinics", f"{', '.join(wrong)} {verb} not offer {line.code}")
        return data
