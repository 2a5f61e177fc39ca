"""The admin is a create/update path too: it refuses what the other paths refuse."""

import pytest

from clinics.models import Provider, ScheduleTemplate
from tests import factories

pytestmark = pytest.mark.django_db


def management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_admin_refuses_overlapping_template_blocks(client, admin_user_role):
    fu = factories.VisitTypeFactory()
    client.force_login(admin_user_role)
    data = {
        "code": "NEW",
        "name": "New template",
        **management("blocks", 2),
        "blocks-0-weekday": "0", "blocks-0-start": "08:00", "blocks-0-end": "12:00",
        "blocks-0-visit_type": str(fu.pk),
        "blocks-1-weekday": "0", "blocks-1-start": "11:00", "blocks-1-end": "12:30",
        "blocks-1-visit_type": "",
    }  # fmt: skip
    response = client.post("/admin/clinics/scheduletemplate/add/", data)
    assert response.status_code == 200
    assert (
        "mon 11:00–12:30 (start): overlaps the block mon 08:00–12:00" in response.content.decode()
    )
    assert not ScheduleTemplate.objects.exists()


def test_admin_refuses_a_block_that_is_not_whole_slots(client, admin_user_role):
    fu = factories.VisitTypeFactory()
    client.force_login(admin_user_role)
    data = {
        "code": "NEW",
        "name": "New template",
        **management("blocks", 1),
        "blocks-0-weekday": "0", "blocks-0-start": "08:00", "blocks-0-end": "08:50",
        "blocks-0-visit_type": str(fu.pk),
    }  # fmt: skip
    response = client.post("/admin/clinics/scheduletemplate/add/", data)
    assert "lasts 50 minutes, not a whole number of 15-minute ORTHO-FU slots" in (
        response.content.decode()
    )
    assert not ScheduleTemplate.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", "1234567890", "is not a valid NPI"),
        ("fte", "1.2", "FTE 1.2 is outside (0, 1]"),
        ("fte", "0", "FTE 0 is outside (0, 1]"),
    ],
)
def test_admin_refuses_a_bad_provider(client, ops_user, field, value, message):
    line = factories.ServiceLineFactory()
    client.force_login(ops_user)
    data = {
        "npi": "1234567893", "name": "Dr. A", "credential": "MD", "service_line": str(line.pk),
        "fte": "1.0", "hired_on": "2024-01-01", **management("assignments", 0),
        **management("absences", 0), field: value,
    }  # fmt: skip
    response = client.post("/admin/clinics/provider/add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Provider.objects.exists()


def test_operations_can_add_a_valid_provider_in_the_admin(client, ops_user):
    line = factories.ServiceLineFactory()
    client.force_login(ops_user)
    data = {
        "npi": "1234567893", "name": "Dr. A", "credential": "MD", "service_line": str(line.pk),
        "fte": "0.8", "hired_on": "2024-01-01", **management("assignments", 0),
        **management("absences", 0),
    }  # fmt: skip
    response = client.post("/admin/clinics/provider/add/", data)
    assert response.status_code == 302
    assert str(Provider.objects.get().fte) == "0.80"
