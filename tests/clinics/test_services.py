"""Every rule of the supply side, through the services the API and forms call."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinics import services
from clinics.models import Clinic, Provider, ScheduleTemplate, TemplateAssignment, VisitType
from tests import factories

pytestmark = pytest.mark.django_db


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def new_provider(**overrides):
    data = {
        "npi": "1234567893",
        "name": "Dr. A. Rivera",
        "credential": "MD",
        "service_line": factories.ServiceLineFactory(),
        "fte": Decimal("1.0"),
        "hired_on": date(2023, 1, 1),
    }
    return lambda: services.record_save(instance=Provider(), data={**data, **overrides})


def test_a_valid_provider_is_saved():
    provider = new_provider()()
    assert Provider.objects.get().npi == provider.npi == "1234567893"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", "1234567890", "'1234567890' is not a valid NPI (10 digits, Luhn check on the 80840 prefix)"),
        ("npi", "123456789", "'123456789' is not a valid NPI (10 digits, Luhn check on the 80840 prefix)"),
        ("fte", Decimal("0"), "FTE 0 is outside (0, 1]: above 0 and at most 1.0"),
        ("fte", Decimal("1.5"), "FTE 1.5 is outside (0, 1]: above 0 and at most 1.0"),
        ("fte", Decimal("-0.5"), "FTE -0.5 is outside (0, 1]: above 0 and at most 1.0"),
        ("left_on", date(2022, 12, 31), "a provider cannot leave before being hired"),
        ("credential", "MBA", "Value 'MBA' is not a valid choice."),
    ],
)  # fmt: skip
def test_provider_rules(field, value, message):
    assert errors_of(new_provider(**{field: value})) == {field: [message]}
    assert Provider.objects.count() == 0


def test_visit_type_credentials_must_be_known():
    line = factories.ServiceLineFactory()
    data = {
        "code": "X",
        "name": "X",
        "minutes": 15,
        "service_line": line,
        "credentials": ["MD", "RN"],
    }
    errors = errors_of(lambda: services.record_save(instance=VisitType(), data=data))
    assert errors == {
        "credentials": [
            "unknown credential RN; use MD, DO, NP, PA, CNM, PT, PTA, OT, ATC, PsyD, PhD, LCSW, "
            "LPC, LMFT"
        ]
    }
    assert VisitType.objects.count() == 0


def test_clinic_hours_must_close_after_opening_and_nothing_changes():
    clinic = factories.ClinicFactory(code="C01")
    # when: Monday closing before opening
    errors = errors_of(
        lambda: services.clinic_save(
            clinic=clinic, data={"exam_rooms": 9}, hours={0: (time(17), time(8))}
        )
    )
    # then: the message names the day, and neither the rooms nor the hours changed
    assert errors == {"hours": ["mon: a clinic must close after it opens"]}
    clinic = Clinic.objects.get(code="C01")
    assert clinic.exam_rooms == 6
    assert clinic.hours.count() == 5


def test_clinic_timezone_and_thresholds():
    clinic = factories.ClinicFactory(code="C01")
    errors = errors_of(
        lambda: services.record_save(
            instance=clinic,
            data={
                "timezone": "Mars/Olympus",
                "cold_threshold": Decimal("0.9"),
                "band_low": Decimal("0.85"),
            },
        )
    )
    assert errors == {
        "timezone": ["'Mars/Olympus' is not an IANA time zone such as 'America/Chicago'"],
        "hot_threshold": ["thresholds must rise: cold ≤ band low ≤ band high ≤ hot"],
    }


def block(weekday, start, end, visit_type):
    return {
        "weekday": weekday,
        "start": time.fromisoformat(start),
        "end": time.fromisoformat(end),
        "visit_type": visit_type,
    }


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([("12:00", "08:00")], "block 1 (end): ends at 08:00, not after its start 12:00"),
        ([("08:00", "09:10")], "block 1 (end): lasts 70 minutes, not a whole number of 15-minute ORTHO-FU slots"),
        ([("08:00", "12:00"), ("11:45", "12:30")], "block 2 (start): overlaps the block mon 08:00–12:00"),
    ],
)  # fmt: skip
def test_template_blocks_rules(blocks, message):
    fu = factories.VisitTypeFactory()
    call = lambda: services.template_save(  # noqa: E731
        template=ScheduleTemplate(),
        data={"code": "T1", "name": "T1"},
        blocks=[block(0, s, e, fu) for s, e in blocks],
    )
    assert errors_of(call) == {"blocks": [message]}
    assert ScheduleTemplate.objects.count() == 0


def test_changing_blocks_raises_the_version_and_rechecks_assignments():
    # given: a PA works a template of follow-ups
    assignment = factories.AssignmentFactory(provider__credential="PA")
    template = assignment.template
    np = factories.VisitTypeFactory(code="ORTHO-NP", minutes=30, credentials=["MD", "DO"])
    # when: a new-patient block only physicians may see is added on Monday afternoon
    errors = errors_of(
        lambda: services.template_save(
            template=template,
            data={},
            blocks=[
                block(0, "08:00", "12:00", factories.VisitTypeFactory()),
                block(0, "13:00", "15:00", np),
            ],
        )
    )
    # then: refused because of the PA, and the template is as it was
    assert errors["blocks"][0].endswith(
        f"template {template.code} has visit types a PA may not see: ORTHO-NP"
    )
    template.refresh_from_db()
    assert (template.version, template.blocks.count()) == (1, 5)
    # when: a change that keeps the PA's visit types
    services.template_save(
        template=template,
        data={},
        blocks=[block(d, "08:00", "11:00", factories.VisitTypeFactory()) for d in range(5)],
    )
    template.refresh_from_db()
    assert template.version == 2


def assign(provider, clinic, template, days=(0,), start=date(2024, 1, 1)):
    return lambda: services.record_save(
        instance=TemplateAssignment(),
        data={"provider": provider, "clinic": clinic, "template": template,
              "weekdays": list(days), "starts_on": start},
    )  # fmt: skip


def test_a_provider_cannot_be_at_two_clinics_at_the_same_time():
    first = factories.AssignmentFactory(weekdays=[0, 1])
    other_clinic = factories.ClinicFactory(code="C99")
    # when: the same Monday mornings at another clinic, from a later date
    errors = errors_of(
        assign(first.provider, other_clinic, first.template, days=(0,), start=date(2024, 6, 1))
    )
    assert errors == {
        "weekdays": [
            f"the provider would be in two places at once: overlaps the assignment at "
            f"{first.clinic.code} ({first.template.code}) on mon 08:00–12:00 from 2024-01-01"
        ]
    }
    # but Wednesdays there are fine
    assign(first.provider, other_clinic, first.template, days=(2,))()
    assert TemplateAssignment.objects.count() == 2


def test_a_template_with_visit_types_the_credential_may_not_see_is_refused():
    np = factories.VisitTypeFactory(code="ORTHO-NP", minutes=30, credentials=["MD", "DO"])
    template = factories.TemplateFactory(code="NP-DAY", blocks=[(0, "08:00", "12:00", np)])
    pa = factories.ProviderFactory(credential="PA")
    errors = errors_of(assign(pa, factories.ClinicFactory(), template))
    assert errors == {"template": ["template NP-DAY has visit types a PA may not see: ORTHO-NP"]}


def test_an_assignment_must_fit_the_clinic_days_hours_and_service_lines():
    template = factories.TemplateFactory(code="T")  # Mon–Fri 08:00–12:00 follow-ups
    saturday_only = factories.TemplateFactory(
        code="SAT", blocks=[(5, "08:00", "12:00", factories.VisitTypeFactory())]
    )
    early = factories.ClinicFactory(code="EARLY", hours={0: ("09:00", "17:00")})
    no_ortho = factories.ClinicFactory(
        code="WH1", service_lines=[factories.ServiceLineFactory(code="WH", name="Women's")]
    )
    provider = factories.ProviderFactory()
    assert errors_of(assign(provider, early, template)) == {
        "clinic": ["at EARLY, block mon 08:00–12:00 is outside the clinic's hours 09:00–17:00"]
    }
    assert errors_of(assign(provider, no_ortho, template)) == {
        "clinic": ["clinic WH1 does not offer service line ORTHO"]
    }
    assert errors_of(assign(provider, early, saturday_only)) == {
        "weekdays": ["template SAT has no blocks on mon"]
    }


def test_assignment_and_absence_dates_must_be_in_order():
    a = factories.AssignmentFactory.build(
        provider=factories.ProviderFactory(), clinic=factories.ClinicFactory(),
        template=factories.TemplateFactory(), ends_on=date(2023, 12, 31),
    )  # fmt: skip
    assert errors_of(a.full_clean) == {"ends_on": ["an assignment cannot end before it starts"]}
    absence = factories.AbsenceFactory.build(
        provider=factories.ProviderFactory(), ends_on=date(2024, 6, 1)
    )
    assert errors_of(absence.full_clean) == {"ends_on": ["an absence cannot end before it starts"]}


def test_a_part_day_closure_needs_both_ends():
    closure = factories.ClosureFactory.build(clinic=factories.ClinicFactory(), start=time(12))
    assert errors_of(closure.full_clean) == {
        "end": ["a part-day closure needs both a start and an end"]
    }


def test_clinic_hours_cannot_shut_out_an_assigned_template():
    # given: a provider works 08:00–12:00 Monday to Friday at C01
    assignment = factories.AssignmentFactory(clinic=factories.ClinicFactory(code="C01"))
    clinic = assignment.clinic
    # when: Monday hours would start at 10:00
    hours = {d: (time(8), time(17)) for d in range(5)} | {0: (time(10), time(17))}
    errors = errors_of(lambda: services.clinic_save(clinic=clinic, data={}, hours=hours))
    # then
    assert errors == {
        "hours": [
            f"{assignment}: at C01, block mon 08:00–12:00 is outside the clinic's hours 10:00–17:00"
        ]
    }
    assert clinic.hours.get(weekday=0).opens == time(8)


def test_a_credential_change_cannot_break_the_providers_assignments():
    np = factories.VisitTypeFactory(code="ORTHO-NP", minutes=30, credentials=["MD", "DO"])
    template = factories.TemplateFactory(code="NP-DAY", blocks=[(0, "08:00", "12:00", np)])
    assignment = factories.AssignmentFactory(template=template, weekdays=[0])
    provider = assignment.provider
    errors = errors_of(lambda: services.record_save(instance=provider, data={"credential": "PA"}))
    assert errors == {
        "assignments": [f"{assignment}: template NP-DAY has visit types a PA may not see: ORTHO-NP"]
    }
    provider.refresh_from_db()
    assert provider.credential == "MD"
