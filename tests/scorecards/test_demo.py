"""The demo's scorecards: two years of entered KPIs and targets, a mix of green, amber and red."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min

from marketing import services as marketing_services
from marketing.models import NewPatientGoal
from pipeline import services as pipeline_services
from scorecards import compute, demo, selectors, services
from scorecards.models import KpiNote, MaturityAssessment, Measurement, Target

TODAY = date(2026, 11, 24)


# ---------------------------------------------------------------------------------------------
# The pure definitions


def test_two_years_in_whole_quarters_up_to_the_last_closed_month():
    # when: today is 24 November 2026
    months = demo.months_covered(TODAY)
    # then: 24 months back is November 2024, whose quarter starts in October: 25 months
    assert (months[0], months[-1], len(months)) == (date(2024, 10, 1), date(2026, 10, 1), 25)
    assert [q.label for q in demo.quarters_covered(TODAY)] == [
        "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3",
    ]  # fmt: skip
    # and October has closed, so 2026-Q4 has a quarter to date; on 5 October it has none
    assert demo.quarter_to_date(TODAY).label == "2026-Q4"
    assert demo.quarter_to_date(date(2026, 10, 5)) is None
    assert demo.latest_closed_quarter(TODAY).label == "2026-Q3"


def test_a_month_without_history_reads_from_a_later_year_or_the_clinic_size():
    # given: a clinic with October and November 2025 kept (1000 and 1200 visits, 10 % new)
    clinic = demo.DemoClinic("C09", "SOUTH", "SUMMIT", 8, ("ORTHO",))
    visits = {
        ("C09", date(2025, 10, 1)): (1000, 100),
        ("C09", date(2025, 11, 1)): (1200, 120),
    }
    months = [date(2024, 10, 1), date(2024, 11, 1), date(2025, 10, 1), date(2025, 11, 1)]
    # when
    out = demo.volumes(clinic, months, visits)
    # then: October 2024 is October 2025 less 3 %: 970 visits, 97 new (10 %)
    assert out[date(2024, 10, 1)] == (970, 97)
    # and November 2024: 1200 × 0.97 = 1164, new 116.4 → 116
    assert out[date(2024, 11, 1)] == (1164, 116)
    assert out[date(2025, 10, 1)] == (1000, 100)
    # and a clinic with no history at all: 8 rooms × 200 visits, 12 % new
    empty = demo.volumes(clinic, [date(2024, 10, 1)], {})
    assert empty[date(2024, 10, 1)] == (1600, 192)


def test_budgets_of_regions_and_the_network_are_the_sums_of_their_clinics():
    # given: a steady clinic (index 0) and a struggling one (index 1) in one region, each
    # earning 100,000 a month through 2025 and in January 2026
    clinics = [
        demo.DemoClinic("C01", "NORTH", "SUMMIT", 12, ("ORTHO",)),
        demo.DemoClinic("C02", "NORTH", "SUMMIT", 6, ("WH",)),
    ]
    months = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, 1, 1)]
    rows = [
        demo.EnteredRow("net_patient_revenue", c.code, compute.month_label(m), m, 1e5)
        for c in clinics
        for m in months
    ]
    # when
    targets = demo.budget_targets(rows, clinics, today=TODAY)
    # then: 2025's budget closes at the year's end; 2026's, the latest, runs on
    assert {(t.period_from, t.period_to, t.note) for t in targets} == {
        (date(2025, 1, 1), date(2025, 12, 31), "FY2025 budget"),
        (date(2026, 1, 1), None, "FY2026 budget"),
    }
    # and each year has one month and one quarter budget per scope
    fy2025 = [t for t in targets if t.period_from.year == 2025]
    month = {(t.scope_type, t.scope_code): t for t in fy2025 if t.period_kind == "month"}
    quarter = {(t.scope_type, t.scope_code): t for t in fy2025 if t.period_kind == "quarter"}
    assert len(targets) == 2 * len(fy2025) == 2 * 2 * 5
    assert set(month) == set(quarter) == {
        ("clinic", "C01"), ("clinic", "C02"), ("region", "NORTH"), ("organization", "SUMMIT"),
        ("network", ""),
    }  # fmt: skip
    budget = {key: t.thresholds.green_min for key, t in month.items()}
    assert budget[("network", "")] == budget[("clinic", "C01")] + budget[("clinic", "C02")]
    assert budget[("region", "NORTH")] == budget[("network", "")]
    assert quarter[("network", "")].thresholds.green_min == 3 * budget[("network", "")]
    # and the struggling clinic is asked for more than it earns, the steady one about it
    assert budget[("clinic", "C02")] > 1.05e5
    assert 0.99e5 <= budget[("clinic", "C01")] <= 1.03e5
    # and amber reaches 90 % of the budget (§3 defaults)
    network = month[("network", "")].thresholds
    assert network.amber_min == pytest.approx(0.9 * network.green_min)
    assert compute.thresholds_errors("higher", network) == {}


# ---------------------------------------------------------------------------------------------
# The seed on a small network


def _snapshot() -> dict[str, list]:
    return {
        "measurements": list(
            Measurement.objects.order_by("kpi__code", "scope_type", "scope_code", "period")
            .values_list("kpi__code", "scope_type", "scope_code", "period", "value",
                         "numerator", "denominator", "source")
        ),
        "targets": list(
            Target.objects.order_by("kpi__code", "scope_type", "scope_code", "period_from",
                                    "period_kind", "source")
            .values_list("kpi__code", "scope_type", "scope_code", "period_from", "period_to",
                         "period_kind", "green_min", "green_max", "amber_min", "amber_max")
        ),
        "maturity": list(MaturityAssessment.objects.values_list("assessed_on", "notes")),
        "notes": list(KpiNote.objects.values_list("kpi__code", "scope_code", "period", "text")),
        "goals": list(
            NewPatientGoal.objects.order_by("clinic", "service_line", "month").values_list(
                "clinic", "service_line", "month", "target", "cap"
            )
        ),
    }  # fmt: skip


def test_the_demo_scorecards_mix_green_amber_and_red_and_a_rerun_changes_nothing(db):
    # given: a three-clinic demo (one per region) with four months of appointments
    out = StringIO()
    call_command(
        "seed_demo", "--clinics", "3", "--months", "4", "--today", TODAY.isoformat(), stdout=out
    )
    # then: the board's network scorecard for the latest closed quarter has all three colours
    network = selectors.scope_get("network")
    table = selectors.scorecard_table("board", network, compute.period_parse("2026-Q3"))
    assert {"green", "amber", "red"} <= set(table["status"])
    assert "scorecards: 351 entered values" in out.getvalue()
    # and each clinic has 25 months (2024-10 … 2026-10) of every monthly entered KPI, 8 closed
    # quarters of staff turnover and 9 of quality (2026-Q4 to date): 3 × (4 × 25 + 8 + 9) = 351
    coverage = {
        (kpi, n, first, last)
        for kpi, n, first, last in Measurement.objects.filter(source="entered")
        .values("kpi__code", "scope_code")
        .annotate(n=Count("pk"), first=Min("period"), last=Max("period"))
        .values_list("kpi__code", "n", "first", "last")
    }  # fmt: skip
    assert coverage == {
        ("net_patient_revenue", 25, "2024-10", "2026-10"),
        ("operating_expense", 25, "2024-10", "2026-10"),
        ("patient_satisfaction", 25, "2024-10", "2026-10"),
        ("referrals", 25, "2024-10", "2026-10"),
        ("clinical_staff_turnover", 8, "2024-Q4", "2026-Q3"),
        ("quality_score", 9, "2024-Q4", "2026-Q4"),
    }
    # and the board set revenue budgets for the network by month and by quarter
    kinds = set(
        Target.objects.filter(
            kpi__code="net_patient_revenue", scope_type="network", source="board"
        ).values_list("period_kind", flat=True)
    )
    assert kinds == {"month", "quarter"}
    # and goal attainment has the last closed quarter, from the past goals
    assert table.set_index("kpi").loc["goal_attainment", "status"] != "grey"
    assert NewPatientGoal.objects.filter(month__lt=date(2026, 11, 1)).exists()
    # and four assessments, improving, whose overall is the lowest domain: 1, 2, 2, 3
    history = [
        (a.assessed_on, compute.maturity_overall({s.dimension.code: s.score
                                                  for s in a.scores.all()})[0])
        for a in MaturityAssessment.objects.order_by("assessed_on")
    ]  # fmt: skip
    assert history == [
        (date(2025, 2, 15), 1), (date(2025, 8, 15), 2), (date(2026, 2, 15), 2),
        (date(2026, 8, 15), 3),
    ]  # fmt: skip
    # and the owners noted the network's red KPIs that have a demo note
    red = [c for c in table.itertuples() if c.status == "red" and c.kpi in demo.NOTES]
    noted = KpiNote.objects.filter(scope_type="network", period="2026-Q3")
    assert sorted(noted.values_list("kpi__code", flat=True)) == sorted(
        c.kpi for c in red[: demo.NOTES_PER_SCOPE]
    )
    assert all(n.author is not None for n in noted)

    # when: the seed runs again
    before = _snapshot()
    marketing_services.demo_marketing_seed(today=TODAY, seed=7)
    again = services.demo_scorecards_seed(today=TODAY, seed=7)
    pipeline_services.run_now(today=TODAY)
    notes = services.demo_notes_seed(today=TODAY)
    # then: nothing new is written and every number is the same
    assert (again["entered"], again["targets"], again["assessments"], notes) == (0, 0, 0, 0)
    assert _snapshot() == before

    # and with --if-empty the command leaves the demo alone
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--today", TODAY.isoformat(), stdout=out)
    assert "demo not loaded" in out.getvalue()
    assert _snapshot() == before
