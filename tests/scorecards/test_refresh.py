"""The measurement refresh on the database: pooled values per scope, entered values rolled up,
derived KPIs, capacity-derived targets, and a rerun that changes nothing."""

from datetime import date

import pytest

from capacity.models import DailyRollup
from marketing.models import NewPatientGoal
from scorecards import compute, selectors, services
from scorecards.models import KPI, Measurement, Target
from tests import factories

TODAY = date(2026, 11, 24)


def measured(code: str, scope: str, period: str) -> Measurement:
    scope_type, _, scope_code = scope.partition(":")
    return Measurement.objects.get(
        kpi__code=code, scope_type=scope_type, scope_code=scope_code, period=period
    )


def enter(code: str, scope: str, period: str, value: float, **parts) -> Measurement:
    scope_type, _, scope_code = scope.partition(":")
    # Replaces a rolled-up row of the same key, as an entry does.
    row, _ = Measurement.objects.update_or_create(
        kpi=KPI.objects.get(code=code), scope_type=scope_type, scope_code=scope_code,
        period=period,
        defaults={"period_start": compute.period_parse(period).first, "value": value,
                  "source": "entered", **parts},
    )  # fmt: skip
    return row


@pytest.fixture
def network(db):
    """A and B in region R1, C in R2; one September day of rollups each."""
    org = factories.OrganizationFactory(code="ORG")
    r1 = factories.RegionFactory(code="R1", organization=org)
    r2 = factories.RegionFactory(code="R2", organization=org)
    clinics = {
        "A": factories.ClinicFactory(code="A", region=r1),
        "B": factories.ClinicFactory(code="B", region=r1),
        "C": factories.ClinicFactory(code="C", region=r2),
    }
    figures = {
        # available, held, kept minutes; kept visits, no-shows, cancelled, late, new kept
        "A": (1000, 900, 800, 40, 10, 5, 2, 6),
        "B": (1000, 600, 500, 30, 0, 0, 0, 4),
        "C": (500, 500, 500, 20, 0, 0, 0, 0),
    }
    for code, (avail, held, kept, kept_n, noshow, cancelled, late, new_kept) in figures.items():
        DailyRollup.objects.create(
            clinic=clinics[code], provider=None, is_new_patient=False, date=date(2026, 9, 14),
            available_minutes=avail, held_minutes=held, kept_minutes=kept,
            kept_count=kept_n - new_kept, noshow_count=noshow, cancelled_count=cancelled,
            late_cancel_count=late,
        )  # fmt: skip
        if new_kept:
            DailyRollup.objects.create(
                clinic=clinics[code], provider=None, is_new_patient=True, date=date(2026, 9, 15),
                kept_count=new_kept,
            )  # fmt: skip
    return clinics


def test_computed_kpis_pool_over_clinics_and_regions(network):
    # when
    services.measurements_refresh(today=TODAY)
    # then: R1's September utilization is (900 + 600) ÷ (1000 + 1000) = 0.75
    r1 = measured("utilization", "region:R1", "2026-09")
    assert (r1.numerator, r1.denominator, r1.value) == (1500, 2000, 0.75)
    # no-shows ÷ (KEPT + no-shows): A 10 ÷ 50 = 0.2; R1 10 ÷ (50 + 30) = 0.125
    assert measured("no_show_rate", "clinic:A", "2026-09").value == pytest.approx(0.2)
    assert measured("no_show_rate", "region:R1", "2026-09").value == pytest.approx(0.125)
    # the network's third quarter holds only September: 2000 ÷ 2500 = 0.8
    assert measured("utilization", "network", "2026-Q3").value == pytest.approx(0.8)
    # late cancellations ÷ (KEPT + no-show + cancelled): A 2 ÷ (40 + 10 + 5)
    assert measured("late_cancel_rate", "clinic:A", "2026-09").value == pytest.approx(2 / 55)
    assert measured("new_patient_volume", "region:R1", "2026-09").value == 10
    # C had no new patients and no appointments outcomes' denominator is 20: 0 no-shows
    assert measured("no_show_rate", "clinic:C", "2026-09").value == 0


def test_a_rerun_changes_nothing(network):
    services.measurements_refresh(today=TODAY)
    before = sorted(
        Measurement.objects.values_list("kpi__code", "scope_type", "scope_code", "period", "value")
    )
    # when
    services.measurements_refresh(today=TODAY)
    # then
    after = sorted(
        Measurement.objects.values_list("kpi__code", "scope_type", "scope_code", "period", "value")
    )
    assert after == before


def test_entered_values_roll_up_derive_margin_and_vbc_and_an_entered_region_wins(network):
    # given: September revenue and expense per clinic, and R1's quarterly quality score
    for clinic, revenue, expense in (("A", 100_000, 90_000), ("B", 50_000, 60_000)):
        enter("net_patient_revenue", f"clinic:{clinic}", "2026-09", revenue)
        enter("operating_expense", f"clinic:{clinic}", "2026-09", expense)
    enter("quality_score", "region:R1", "2026-Q3", 0.8)
    # when
    services.measurements_refresh(today=TODAY)
    # then: R1's revenue sums its clinics, 150,000, and so does its expense
    revenue = measured("net_patient_revenue", "region:R1", "2026-09")
    assert (revenue.value, revenue.source) == (150_000, "rolled_up")
    # margins pool: A (100 − 90) ÷ 100 = 0.1, B −0.2, R1 (150 − 150) ÷ 150 = 0
    assert measured("operating_margin", "clinic:A", "2026-09").value == pytest.approx(0.1)
    assert measured("operating_margin", "clinic:B", "2026-09").value == pytest.approx(-0.2)
    assert measured("operating_margin", "region:R1", "2026-09").value == 0
    # VBC for R1's third quarter: 150,000 × 0.8 ÷ 150,000 = 0.8
    assert measured("vbc_index", "region:R1", "2026-Q3").value == pytest.approx(0.8)

    # when: finance enters R1's September revenue directly
    enter("net_patient_revenue", "region:R1", "2026-09", 160_000)
    services.measurements_refresh(today=TODAY)
    # then: the entered number wins, and R1's margin is (160 − 150) ÷ 160
    assert measured("net_patient_revenue", "region:R1", "2026-09").source == "entered"
    assert measured("operating_margin", "region:R1", "2026-09").value == pytest.approx(0.0625)


def test_new_patient_volume_targets_come_from_capacity(network):
    line = factories.ServiceLineFactory(code="ORTHO")
    for clinic, target in (("A", 30), ("B", 20)):
        NewPatientGoal.objects.create(
            clinic=network[clinic], service_line=line, month=date(2026, 12, 1), target=target
        )
    # when
    services.measurements_refresh(today=TODAY)
    # then: R1's December target is 30 + 20, amber from 90 % of it
    kpi = KPI.objects.get(code="new_patient_volume")
    scope = selectors.scope_get("region:R1")
    target = selectors.target_for(kpi, scope, compute.period_parse("2026-12"))
    assert (target.green_min, target.amber_min, target.source) == (50, 45, "capacity")
    # and the quarter's target is December's alone here (the only month with goals)
    quarter = selectors.target_for(kpi, scope, compute.period_parse("2026-Q4"))
    assert quarter.green_min == 50
    # a rerun replaces them rather than adding more
    services.measurements_refresh(today=TODAY)
    assert Target.objects.filter(source="capacity", scope_type="region").count() == 2


def test_the_most_specific_target_in_force_applies(network):
    kpi = KPI.objects.get(code="no_show_rate")
    # the shipped network benchmark applies to A until R1 has its own
    a = selectors.scope_get("clinic:A")
    september = compute.period_parse("2026-09")
    assert selectors.target_for(kpi, a, september).source == "benchmark"
    Target.objects.create(
        kpi=kpi, scope_type="region", scope_code="R1", period_from=date(2026, 7, 1),
        green_max=0.05, amber_max=0.06, source="board",
    )  # fmt: skip
    assert selectors.target_for(kpi, a, september).green_max == 0.05
    # it starts in July: June still reads the benchmark
    assert selectors.target_for(kpi, a, compute.period_parse("2026-06")).source == "benchmark"


def test_the_report_table_rates_each_kpi(network):
    services.measurements_refresh(today=TODAY)
    table = selectors.scorecard_table(
        "operations", selectors.scope_get("region:R1"), compute.period_parse("2026-09")
    )
    rows = table.set_index("kpi")
    # 0.75 is below the 0.85–0.95 band, above the 0.70 amber edge
    assert rows.loc["utilization", "status"] == "amber"
    assert rows.loc["utilization", "target"] == [0.85, 0.95]
    # 0.125 no-shows against ≤ 0.08 (amber to 0.12): red
    assert rows.loc["no_show_rate", "status"] == "red"
    assert list(table.columns) == ["kpi", "perspective", "value", "target", "status"]
