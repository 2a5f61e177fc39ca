"""`report scorecard` (DESIGN §4): kpi, perspective, value, target, status, in JSON and CSV,
for a small case worked out by hand.

Region NORTH (clinics C01 and C02), first quarter of 2026, values entered per clinic:
- net patient revenue: C01 100,000 and C02 50,000 a month → the quarter 3 × 150,000 = 450,000
- operating expense: C01 80,000 and C02 45,000 a month → 3 × 125,000 = 375,000
- operating margin (derived): (450,000 − 375,000) ÷ 450,000 = 0.1667, green from 0.10
- quality score entered for NORTH: 0.84, green from 0.80
- VBC index (derived): 450,000 × 0.84 ÷ 375,000 = 1.008, green from 1.0
- patient satisfaction: C01 170 of 200 in January, C02 60 of 100 in February → pooled 230 ÷ 300
  = 0.7667: below amber's 0.80, red
- clinical staff turnover: C01 2 of 40, C02 1 of 20 → 3 ÷ 60 = 0.05: green up to 0.05, green
The computed KPIs have no appointment data (no value, grey); the targets are the shipped
network benchmarks, a band for utilization; revenue and new patients have none.
"""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from scorecards import services
from tests.scorecards.test_import import HEADER, network  # noqa: F401

ROWS = [
    ("net_patient_revenue", "C01", "100000", "", ""),
    ("net_patient_revenue", "C02", "50000", "", ""),
    ("operating_expense", "C01", "80000", "", ""),
    ("operating_expense", "C02", "45000", "", ""),
]


@pytest.fixture
def quarter(network):  # noqa: F811
    lines = [
        f"{code},clinic:{clinic},2026-{month:02d},{value},{num},{den},"
        for code, clinic, value, num, den in ROWS
        for month in (1, 2, 3)
    ]
    lines += [
        "quality_score,region:NORTH,2026-Q1,0.84,,,",
        "patient_satisfaction,clinic:C01,2026-01,,170,200,",
        "patient_satisfaction,clinic:C02,2026-02,,60,100,",
        "clinical_staff_turnover,clinic:C01,2026-Q1,,2,40,",
        "clinical_staff_turnover,clinic:C02,2026-Q1,,1,20,",
    ]
    content = HEADER + "\n".join(lines) + "\n"
    services.measurements_import(content=content.encode(), user=None)
    services.measurements_refresh(today=date(2026, 4, 15))


MARGIN = (450000 - 375000) / 450000
VBC = 450000 * 0.84 / 375000
SATISFACTION = 230 / 300
EXPECTED = [
    ("net_patient_revenue", "financial", 450000.0, None, "grey"),
    ("operating_margin", "financial", MARGIN, 0.1, "green"),
    ("vbc_index", "financial", VBC, 1.0, "green"),
    ("new_patient_volume", "financial", None, None, "grey"),
    ("np_growth_yoy", "financial", None, 0.05, "grey"),
    ("patient_satisfaction", "patient", SATISFACTION, 0.85, "red"),
    ("quality_score", "patient", 0.84, 0.8, "green"),
    ("tnaa_new", "patient", None, 10.0, "grey"),
    ("no_show_rate", "patient", None, 0.08, "grey"),
    ("utilization", "process", None, [0.85, 0.95], "grey"),
    ("goal_attainment", "process", None, 0.95, "grey"),
    ("late_cancel_rate", "process", None, 0.05, "grey"),
    ("provider_turnover", "learning", None, 0.03, "grey"),
    ("clinical_staff_turnover", "learning", 0.05, 0.05, "green"),
    ("template_standardization", "learning", None, 0.85, "grey"),
]


def report(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("report", "scorecard", *args, stdout=out)
    return out.getvalue()


def test_json_gives_one_object_per_kpi_with_fractions_unrounded(quarter):
    # when
    rows = json.loads(report("--scope", "region:NORTH", "--period", "2026-Q1", "--format", "json"))
    # then
    assert [list(r) for r in rows] == [["kpi", "perspective", "value", "target", "status"]] * 15
    got = [(r["kpi"], r["perspective"], r["value"], r["target"], r["status"]) for r in rows]
    assert got == [
        (kpi, perspective, pytest.approx(value) if value is not None else None, target, status)
        for kpi, perspective, value, target, status in EXPECTED
    ]


def test_csv_has_the_same_columns_and_a_band_as_low_high(quarter):
    # when
    text = report("--scope", "region:NORTH", "--period", "2026-Q1", "--format", "csv")
    # then: numbers as Python writes them, unrounded; whole numbers without ".0"
    assert text == (
        "kpi,perspective,value,target,status\n"
        "net_patient_revenue,financial,450000,,grey\n"
        f"operating_margin,financial,{MARGIN!r},0.1,green\n"
        f"vbc_index,financial,{VBC!r},1,green\n"
        "new_patient_volume,financial,,,grey\n"
        "np_growth_yoy,financial,,0.05,grey\n"
        f"patient_satisfaction,patient,{SATISFACTION!r},0.85,red\n"
        "quality_score,patient,0.84,0.8,green\n"
        "tnaa_new,patient,,10,grey\n"
        "no_show_rate,patient,,0.08,grey\n"
        "utilization,process,,0.85-0.95,grey\n"
        "goal_attainment,process,,0.95,grey\n"
        "late_cancel_rate,process,,0.05,grey\n"
        "provider_turnover,learning,,0.03,grey\n"
        "clinical_staff_turnover,learning,0.05,0.05,green\n"
        "template_standardization,learning,,0.85,grey\n"
    )


def test_a_month_shows_a_quarterly_kpis_quarter_and_other_audiences_work(quarter):
    # January alone: satisfaction 170 ÷ 200 = 0.85 (green); quality is quarterly → Q1's 0.84
    rows = {
        r["kpi"]: r for r in json.loads(report("--scope", "region:NORTH", "--period", "2026-01"))
    }
    assert (rows["patient_satisfaction"]["value"], rows["patient_satisfaction"]["status"]) == (
        0.85, "green",
    )  # fmt: skip
    assert rows["quality_score"]["value"] == 0.84
    # the organization sums its regions (SOUTH entered nothing): revenue 150,000 in January
    operations = json.loads(
        report("--scope", "organization:ACME", "--period", "2026-01", "--audience", "operations")
    )
    expense = next(r for r in operations if r["kpi"] == "operating_expense")
    assert (expense["value"], expense["target"], expense["status"]) == (125000.0, None, "grey")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scope", "region:WEST", "--period", "2026-Q1"), "unknown region 'WEST'"),
        (("--scope", "north", "--period", "2026-Q1"),
         "'north' is not a scope: use network, organization:CODE, region:CODE or clinic:CODE"),
        (("--scope", "network", "--period", "2026-Q5"),
         "'2026-Q5' is not a period: use YYYY-MM for a month or YYYY-Qn for a quarter"),
    ],
    ids=["unknown region", "not a scope", "not a period"],
)  # fmt: skip
def test_a_bad_scope_or_period_is_named_and_exits_non_zero(network, args, message):  # noqa: F811
    with pytest.raises(CommandError) as caught:
        report(*args)
    assert str(caught.value) == message
