"""Users tied to one organization read only its scorecards (DESIGN §7)."""

import pytest

from growthplan import roles
from scorecards import selectors
from tests import factories


@pytest.fixture
def two_groups(db):
    acme = factories.OrganizationFactory(code="ACME")
    other = factories.OrganizationFactory(code="OTHER")
    factories.ClinicFactory(code="A1", region=factories.RegionFactory(code="AN", organization=acme))
    factories.ClinicFactory(
        code="O1", region=factories.RegionFactory(code="ON", organization=other)
    )
    return acme, other


def test_an_organizations_user_reads_its_scopes_and_not_the_others(two_groups, client):
    acme, _other = two_groups
    user = factories.UserFactory(role=roles.BOARD, username="acme-board", organization=acme)
    client.force_login(user)
    # the default scope is the user's organization
    assert selectors.scope_get(None, user=user).key == "organization:ACME"
    assert [k for k, _ in selectors.scope_choices(user)] == [
        "organization:ACME", "region:AN", "clinic:A1",
    ]  # fmt: skip
    # another organization's clinic, and the network, are refused on the page and the API
    page = client.get("/scorecards/", {"scope": "clinic:O1", "period": "2026-Q3"})
    assert page.status_code == 400
    assert "outside organization:ACME" in page.content.decode()
    api = client.get("/api/scorecards/board/", {"scope": "network", "period": "2026-Q3"})
    assert api.status_code == 400
    assert client.get("/api/scorecards/board/", {"period": "2026-Q3"}).json()["scope"] == (
        "organization:ACME"
    )
    assert client.get("/scorecards/", {"period": "2026-Q3"}).status_code == 200


def test_a_user_of_the_whole_network_reads_every_scope(two_groups, client, board_user):
    client.force_login(board_user)
    assert (
        client.get("/scorecards/", {"scope": "clinic:O1", "period": "2026-Q3"}).status_code == 200
    )
    assert selectors.scope_get(None, user=board_user).key == "network"
