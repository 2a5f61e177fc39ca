"""The demo network: realistic, deterministic, valid, with one user per role."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from clinics import demo, network, selectors
from clinics.models import Clinic, Provider, Region, ScheduleTemplate
from growthplan import roles

TODAY = date(2026, 11, 23)


def test_the_same_seed_and_date_give_the_same_network():
    assert demo.demo_network(seed=7, today=TODAY) == demo.demo_network(seed=7, today=TODAY)
    assert demo.demo_network(seed=7, today=TODAY) != demo.demo_network(seed=8, today=TODAY)


def test_the_demo_document_has_the_network_file_shape():
    network.read(demo.demo_network(today=TODAY))  # raises on any shape problem


@pytest.mark.django_db
def test_seed_demo_loads_a_realistic_network_and_users(capsys):
    # when
    call_command("seed_demo", "--months", "0", "--today", TODAY.isoformat())
    # then: about 3 regions, 12 clinics, 50–70 providers of mixed credentials and FTE
    assert Region.objects.count() == 3
    assert Clinic.objects.count() == 12
    providers = Provider.objects.all()
    assert 50 <= providers.count() <= 70
    credentials = Counter(providers.values_list("credential", flat=True))
    assert {"MD", "DO", "PA", "NP", "PT", "PsyD"} <= set(credentials)
    assert len(set(providers.values_list("fte", flat=True))) >= 3
    lines = set(Clinic.objects.values_list("service_lines__code", flat=True))
    assert lines == {"ORTHO", "WH", "BH", "PT"}
    # a provider who left and one who joined recently
    assert providers.filter(left_on__isnull=False).count() == 1
    assert providers.filter(hired_on__gte=TODAY - timedelta(days=120)).count() >= 1
    # a few standard templates, some sites deviating, shared by many providers
    assert 4 <= ScheduleTemplate.objects.count() <= 10
    assert selectors.template_list().order_by("-assignment_count").first().assignment_count >= 10
    # holidays and PTO
    assert Clinic.objects.get(code="C01").closures.filter(date=date(2026, 12, 25)).exists()
    assert sum(p.absences.count() for p in providers) > 50


@pytest.mark.django_db
@pytest.mark.parametrize(("username", "password", "role", "_name"), demo.DEMO_USERS)
def test_each_demo_user_logs_in_with_their_role(username, password, role, _name):
    call_command("seed_demo", "--months", "0", "--clinics", "2", "--today", TODAY.isoformat())
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    assert roles.roles_of(client.get("/").wsgi_request.user) == {role}


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_if_empty_keeps_edits():
    call_command("seed_demo", "--months", "0", "--clinics", "3", "--today", TODAY.isoformat())
    first = network.export(selectors.network_document())
    call_command("seed_demo", "--months", "0", "--clinics", "3", "--today", TODAY.isoformat())
    assert network.export(selectors.network_document()) == first
    Clinic.objects.filter(code="C01").update(exam_rooms=40)
    call_command(
        "seed_demo", "--months", "0", "--if-empty", "--clinics", "3", "--today", TODAY.isoformat()
    )
    assert Clinic.objects.get(code="C01").exam_rooms == 40


@pytest.mark.django_db
def test_seed_demo_adds_an_appointment_history_with_hot_and_cold_clinics():
    # when: 4 clinics, 6 months of history
    call_command("seed_demo", "--clinics", "4", "--months", "6", "--today", TODAY.isoformat())
    # then: appointments in the past and the next months, all rolled up
    from capacity import selectors
    from capacity.models import Appointment

    assert Appointment.objects.filter(local_date__lt=TODAY).count() > 10_000
    assert Appointment.objects.filter(local_date__gt=TODAY, status="booked").exists()
    table = selectors.utilization_per_clinic(
        first=date(2026, 6, 1),
        last=date(2026, 10, 31),
        clinic_ids=list(Clinic.objects.values_list("pk", flat=True)),
    )
    by_clinic = table.groupby("clinic_id")[["booked_minutes", "available_minutes"]].sum()
    utilization = by_clinic["booked_minutes"] / by_clinic["available_minutes"]
    assert utilization.max() > 0.95 and utilization.min() < 0.70
    # the same seed and date give the same history
    before = sorted(Appointment.objects.values_list("external_id", "start", "status"))
    call_command("seed_demo", "--clinics", "4", "--months", "6", "--today", TODAY.isoformat())
    assert sorted(Appointment.objects.values_list("external_id", "start", "status")) == before
