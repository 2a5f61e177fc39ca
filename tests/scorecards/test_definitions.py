"""The metric dictionary at /capacity/definitions/: the capacity figures and the KPIs."""

import pytest

from scorecards.models import KPI


@pytest.mark.django_db
def test_the_definitions_page_explains_every_figure(client, board_user):
    client.force_login(board_user)
    page = client.get("/capacity/definitions/").content.decode()
    for term in (
        "Available minutes",
        "Unutilized minutes",
        "No-show rate",
        "Late cancellation",
        "New patient",
    ):
        assert term in page


@pytest.mark.django_db
def test_the_definitions_page_defines_access_and_standardization(client, board_user):
    client.force_login(board_user)
    page = client.get("/capacity/definitions/").content.decode()
    for anchor in ('id="tnaa"', 'id="standardization"', 'id="imported-slots"'):
        assert anchor in page


@pytest.mark.django_db
def test_the_definitions_page_lists_the_active_kpis_only(client, board_user):
    # given: the catalog's no-show rate, and a KPI switched off
    KPI.objects.filter(code="late_cancel_rate").update(active=False)
    client.force_login(board_user)
    # when
    page = client.get("/capacity/definitions/").content.decode()
    # then: an active KPI has its entry, the inactive one none
    assert 'id="kpi-no_show_rate"' in page
    assert 'id="kpi-late_cancel_rate"' not in page
