"""The scorecards API: KPIs, targets (administrators write), measurements (operations,
marketing and administrators enter), the KPI CSV import and scorecards (DESIGN §4, §7)."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from scorecards import services
from scorecards.models import Measurement, Target
from tests.scorecards.test_import import GOOD, HEADER, network  # noqa: F401

TARGET = {
    "kpi": "referrals", "scope": "region:NORTH", "period_from": "2026-01-01",
    "period_kind": "month", "green_min": 40,
}  # fmt: skip


@pytest.fixture
def imported(network, ops_user):  # noqa: F811
    """GOOD imported and refreshed: NORTH's January referrals 42, satisfaction 502 ÷ 600."""
    services.measurements_import(content=GOOD.encode(), user=ops_user)
    services.measurements_refresh(today=date(2026, 4, 15))


def csv_file(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("kpis.csv", content.encode(), content_type="text/csv")


def test_the_kpi_dictionary_reads_by_code(network, client, board_user):  # noqa: F811
    client.force_login(board_user)
    codes = [k["code"] for k in client.get("/api/kpis/?source=entered").json()["results"]]
    assert "patient_satisfaction" in codes and "utilization" not in codes
    utilization = client.get("/api/kpis/utilization/").json()
    assert (utilization["direction"], utilization["unit"], utilization["source"]) == (
        "band", "fraction", "computed",
    )  # fmt: skip
    assert client.get("/api/kpis/nope/").status_code == 404


def test_anonymous_requests_are_refused(network, client):  # noqa: F811
    assert client.get("/api/kpis/").status_code == 401
    assert client.get("/api/scorecards/board/").status_code == 401
    assert client.post("/api/measurements/", {}).status_code == 401


def test_marketing_enters_a_value_and_a_board_member_cannot(
    network,  # noqa: F811
    client,
    marketing_user,
    board_user,
):
    body = {"kpi": "patient_satisfaction", "scope": "clinic:C01", "period": "2026-01",
            "numerator": 87, "denominator": 100}  # fmt: skip
    client.force_login(board_user)
    assert (
        client.post("/api/measurements/", body, content_type="application/json").status_code == 403
    )
    client.force_login(marketing_user)
    # when
    response = client.post("/api/measurements/", body, content_type="application/json")
    # then: the value is numerator ÷ denominator
    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["kpi"], row["scope"], row["period"], row["value"], row["source"]) == (
        "patient_satisfaction", "clinic:C01", "2026-01", 0.87, "entered",
    )  # fmt: skip
    assert row["entered_by"] == "marco"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kpi": "patient_satisfaction", "scope": "clinic:C01", "period": "2026-01",
          "value": 140},
         {"value": ["140 is outside 0–1: Patient satisfaction (top box) is a fraction (0.87 = 87 %)"]}),
        ({"kpi": "referrals", "scope": "region:WEST", "period": "2026-01", "value": 3},
         {"scope": ["unknown region 'WEST'"]}),
        ({"kpi": "utilization", "scope": "network", "period": "2026-01", "value": 0.9},
         {"kpi": ["Utilization is computed from the data; its values cannot be entered"]}),
        ({"kpi": "nope", "scope": "network", "period": "2026-01", "value": 1},
         {"kpi": ["Object with code=nope does not exist."]}),
    ],
    ids=["percent", "unknown scope", "computed", "unknown kpi"],
)  # fmt: skip
def test_bad_values_answer_400_by_field(network, client, ops_user, body, expected):  # noqa: F811
    client.force_login(ops_user)
    response = client.post("/api/measurements/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"errors": expected}
    assert not Measurement.objects.exists()


def test_measurements_filter_by_kpi_scope_and_periods(imported, client, board_user):
    client.force_login(board_user)
    response = client.get(
        "/api/measurements/",
        {"kpi": "referrals", "scope": "region:NORTH", "period_from": "2026-01",
         "period_to": "2026-03"},
    )  # fmt: skip
    assert response.status_code == 200
    rows = [(r["period"], r["value"], r["source"]) for r in response.json()["results"]]
    # January 30 + 12; the quarter starts in January too
    assert rows == [("2026-01", 42.0, "rolled_up"), ("2026-Q1", 42.0, "rolled_up")]
    bad = client.get("/api/measurements/", {"scope": "region:WEST", "period": "2026-13"})
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {
            "scope": ["unknown region 'WEST'"],
            "period": [
                "'2026-13' is not a period: use YYYY-MM for a month or YYYY-Qn for a quarter"
            ],
        }
    }


def test_only_administrators_write_targets(network, client, marketing_user, admin_user_role):  # noqa: F811
    client.force_login(marketing_user)
    assert client.post("/api/targets/", TARGET, content_type="application/json").status_code == 403
    client.force_login(admin_user_role)
    # when: only the target itself: amber from 90 % of 40 = 36
    response = client.post("/api/targets/", TARGET, content_type="application/json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["green_min"], body["amber_min"], body["target"], body["source"]) == (
        40, 36, 40, "board",
    )  # fmt: skip
    assert (body["scope"], body["period_kind"], body["set_by"]) == ("region:NORTH", "month", "ada")
    # a band reads as [low, high]
    band = client.get("/api/targets/", {"kpi": "utilization", "scope": "network"}).json()
    assert band["results"][0]["target"] == [0.85, 0.95]
    # a change keeps what it does not name: amber stays from 36
    patched = client.patch(
        f"/api/targets/{body['id']}/", {"green_min": 50}, content_type="application/json"
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["green_min"], patched.json()["amber_min"]) == (50, 36)
    assert patched.json()["period_kind"] == "month"


def test_targets_in_the_wrong_order_answer_400(network, client, admin_user_role):  # noqa: F811
    client.force_login(admin_user_role)
    body = {**TARGET, "green_min": 40, "amber_min": 45}
    response = client.post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "amber_min": [
                "amber starts at 45, above green's 40: amber must lie below green when higher "
                "is better"
            ]
        }
    }
    assert not Target.objects.filter(scope_code="NORTH").exists()


def test_the_csv_import_answers_a_summary_or_every_bad_row(network, client, ops_user, board_user):  # noqa: F811
    url = "/api/measurements/import/"
    client.force_login(board_user)
    assert client.post(url, {"file": csv_file(GOOD)}).status_code == 403
    client.force_login(ops_user)
    bad = client.post(url, {"file": csv_file(HEADER + "referrals,clinic:C01,2026-01,abc,,,\n")})
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {"file": ["row 2, value: 'abc' is not a number"]},
        "rows": [{"row": 2, "field": "value", "message": "'abc' is not a number"}],
    }
    good = client.post(url, {"file": csv_file(GOOD)})
    assert good.status_code == 200
    assert good.json() == {"created": 6, "updated": 0, "unchanged": 0, "rows": 6, "dry_run": False}


def test_a_scorecard_reads_as_cards(imported, client, board_user):
    client.force_login(board_user)
    # when
    response = client.get("/api/scorecards/board/", {"scope": "region:NORTH", "period": "2026-Q1"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["audience"], body["scope"], body["scope_name"], body["period"]) == (
        "board", "region:NORTH", "North", "2026-Q1",
    )  # fmt: skip
    cards = {c["kpi"]: c for c in body["cards"]}
    # satisfaction pooled over the quarter: 502 ÷ 600 = 0.8367, amber against the benchmark
    # (green from 0.85, amber from 0.80)
    satisfaction = cards["patient_satisfaction"]
    assert satisfaction["value"] == pytest.approx(502 / 600)
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (502, 600)
    assert (satisfaction["target"], satisfaction["status"], satisfaction["target_source"]) == (
        0.85, "amber", "benchmark",
    )  # fmt: skip
    assert satisfaction["trend"][-1] == {"period": "2026-Q1", "value": pytest.approx(502 / 600)}
    # quality entered for NORTH: 0.84 ≥ 0.80, green
    assert (cards["quality_score"]["value"], cards["quality_score"]["status"]) == (0.84, "green")
    # utilization has no data: grey, with its band target
    assert (cards["utilization"]["value"], cards["utilization"]["target"]) == (None, [0.85, 0.95])
    assert cards["utilization"]["status"] == "grey"


def test_a_bad_scope_or_period_answers_400_and_an_unknown_audience_404(
    network,  # noqa: F811
    client,
    board_user,
):
    client.force_login(board_user)
    bad = client.get("/api/scorecards/board/", {"scope": "clinic:C99", "period": "2026-Q5"})
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {
            "scope": ["unknown clinic 'C99'"],
            "period": [
                "'2026-Q5' is not a period: use YYYY-MM for a month or YYYY-Qn for a quarter"
            ],
        }
    }
    assert client.get("/api/scorecards/investors/").status_code == 404
