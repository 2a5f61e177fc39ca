"""Utilization pages: the charts, the tables, CSV downloads and the empty states."""

import json
import re

import pytest

from tests.capacity.test_rollups import month  # noqa: F401 - the hand-worked July fixture


def figure(page: str, name: str) -> dict:
    match = re.search(rf'plot\("{name}", (\{{.*?\}})\);\n', page, re.S)
    return json.loads(match.group(1))


def test_the_clinic_page_draws_utilized_vs_unutilized(client, board_user, month):  # noqa: F811
    client.force_login(board_user)
    page = client.get("/capacity/clinics/C01/?from=2024-07&to=2024-07").content.decode()
    bars = figure(page, "bars")
    values = {trace["name"]: trace["y"] for trace in bars["data"]}
    # kept 465, held but not kept 495 − 465 = 30, unutilized 285, available 720 (hand-worked)
    assert values["Kept"] == [465]
    assert values["Booked, not kept"] == [30]
    assert values["Unutilized"] == [285]
    assert values["Available"] == [720]
    assert "68.8 %" in page  # 495 / 720 to one decimal
    assert "/static/vendor/plotly/plotly.min.js" in page


def test_tables_download_as_csv(client, board_user, month):  # noqa: F811
    client.force_login(board_user)
    response = client.get("/capacity/clinics/C01/?from=2024-07&to=2024-07&format=csv")
    assert response["Content-Type"] == "text/csv"
    assert (
        response.content.decode().splitlines()[1].startswith("2024-07,C01,720,495,465,285,40,32,")
    )
    network = client.get("/capacity/?from=2024-07&to=2024-07&format=csv").content.decode()
    assert network.splitlines()[1].startswith("C01,2024-07,720,495")


def test_the_network_page_flags_and_maps_clinics(client, ops_user, month):  # noqa: F811
    client.force_login(ops_user)
    page = client.get("/capacity/?from=2024-07&to=2024-07").content.decode()
    assert 'id="heatmap"' in page
    # 68.8 % is below the 70 % cold threshold
    assert re.search(r"C01 .*?68\.8 %.*?flag-cold", page, re.S)


@pytest.mark.django_db
def test_empty_pages_say_what_to_import(client, ops_user):
    client.force_login(ops_user)
    page = client.get("/capacity/").content.decode()
    assert "No utilization yet" in page and "Import appointments" in page


def test_the_provider_table_counts_unutilized_per_provider_day(client, board_user, month):  # noqa: F811
    client.force_login(board_user)
    response = client.get("/capacity/clinics/C01/?from=2024-07&to=2024-07&format=providers.csv")
    header, row = response.content.decode().strip().splitlines()
    # the one provider: 720 available, 495 held, unutilized 285 + 0 (not 720 − 495 = 225)
    assert header.startswith("provider,credential,available_minutes,booked_minutes")
    assert ",720,495,465,285," in row
