"""Scorecard arithmetic, worked by hand: RAG edges, pooled roll-ups, turnover, growth, VBC."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecards import compute

SCOPES = pd.DataFrame(
    {
        "clinic_id": [1, 2, 3],
        "clinic": ["A", "B", "C"],
        "region": ["R1", "R1", "R2"],
        "organization": ["ORG", "ORG", "ORG"],
    }
)


def value_at(table: pd.DataFrame, kpi: str, scope_type: str, code: str, period: str):
    row = table[
        (table["kpi"] == kpi)
        & (table["scope_type"] == scope_type)
        & (table["scope_code"] == code)
        & (table["period"] == period)
    ]
    assert len(row) == 1, f"{kpi} {scope_type}:{code} {period}: {len(row)} rows"
    return row.iloc[0]


# ---------------------------------------------------------------------------------------------
# Red / amber / green at every edge


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.80, "green"),  # at the target: green
        (0.95, "green"),
        (0.7999, "amber"),
        (0.72, "amber"),  # exactly 90 % of the target: still amber
        (0.7199, "red"),
        (0.0, "red"),
        (None, "grey"),
        (float("nan"), "grey"),
    ],
)
def test_higher_is_better_is_green_at_target_and_amber_down_to_90_percent(value, expected):
    thresholds = compute.thresholds_default(compute.HIGHER, 0.80)
    assert (thresholds.green_min, thresholds.amber_min) == (0.80, 0.72)
    assert compute.status(value, thresholds) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.10, "green"),  # at the target
        (0.0, "green"),
        (0.1001, "amber"),
        (0.11, "amber"),  # exactly 110 % of the target
        (0.1101, "red"),
        (None, "grey"),
    ],
)
def test_lower_is_better_mirrors_up_to_110_percent(value, expected):
    thresholds = compute.thresholds_default(compute.LOWER, 0.10)
    assert (thresholds.green_max, thresholds.amber_max) == (0.10, 0.11)
    assert compute.status(value, thresholds) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.85, "green"),  # both ends of the band are inside it
        (0.90, "green"),
        (0.95, "green"),
        (0.8499, "amber"),
        (0.70, "amber"),
        (0.6999, "red"),
        (0.9501, "amber"),
        (1.00, "amber"),
        (1.0001, "red"),  # overbooked past the amber zone
    ],
)
def test_a_band_kpi_is_green_inside_the_band(value, expected):
    thresholds = compute.Thresholds(0.85, 0.95, 0.70, 1.00)
    assert compute.status(value, thresholds) == expected


def test_band_defaults_widen_by_the_same_ten_percent():
    # 0.85 × 0.9 = 0.765; 0.95 × 1.1 = 1.045
    assert compute.thresholds_default(compute.BAND, None, (0.85, 0.95)) == compute.Thresholds(
        0.85, 0.95, 0.765, 1.045
    )


def test_no_target_is_grey_even_with_a_value():
    assert compute.status(0.5, None) == "grey"


@pytest.mark.parametrize(
    ("direction", "thresholds", "field"),
    [
        (compute.HIGHER, compute.Thresholds(green_min=0.8, amber_min=0.9), "amber_min"),
        (compute.LOWER, compute.Thresholds(green_max=0.1, amber_max=0.05), "amber_max"),
        (compute.BAND, compute.Thresholds(0.95, 0.85, 0.70, 1.0), "green_max"),
        (compute.BAND, compute.Thresholds(0.85, 0.95, 0.90, 1.0), "amber_min"),
        (compute.HIGHER, compute.Thresholds(green_max=0.8), "green_min"),
    ],
)
def test_thresholds_in_the_wrong_order_for_the_direction_are_named(direction, thresholds, field):
    assert field in compute.thresholds_errors(direction, thresholds)


def test_thresholds_in_order_have_no_errors():
    assert compute.thresholds_errors(compute.BAND, compute.Thresholds(0.85, 0.95, 0.7, 1.0)) == {}


def test_the_headline_target_is_the_green_edge_or_the_band():
    assert compute.target_value(compute.HIGHER, compute.Thresholds(green_min=0.8)) == 0.8
    assert compute.target_value(compute.LOWER, compute.Thresholds(green_max=0.1)) == 0.1
    assert compute.target_value(compute.BAND, compute.Thresholds(0.85, 0.95)) == [0.85, 0.95]


# ---------------------------------------------------------------------------------------------
# Periods


def test_periods_parse_months_and_quarters_and_name_the_shapes_otherwise():
    q = compute.period_parse("2026-q4")
    assert (q.label, q.kind, q.first, q.last) == ("2026-Q4", "quarter", date(2026, 10, 1),
                                                   date(2026, 12, 31))  # fmt: skip
    m = compute.period_parse("2024-02")
    assert (m.kind, m.last) == ("month", date(2024, 2, 29))
    for bad in ("2026-13", "2026-Q5", "26-01", "", "2026/01"):
        with pytest.raises(ValueError, match="YYYY-MM for a month or YYYY-Qn"):
            compute.period_parse(bad)


def test_trends_step_back_by_the_period_kind():
    labels = [p.label for p in compute.periods_back(compute.period_parse("2026-Q1"), 3)]
    assert labels == ["2025-Q3", "2025-Q4", "2026-Q1"]


# ---------------------------------------------------------------------------------------------
# Pooled roll-ups


def test_ratios_pool_numerators_and_denominators_clinic_to_region_to_network_and_to_quarter():
    # given: no-shows ÷ outcomes. A: Jan 1/10, Feb 3/10; B: Jan 2/40; C (another region): Jan
    # 5/50, Feb 0/0 (no appointments: n/a, never 0)
    rows = pd.DataFrame(
        [
            ("no_show_rate", 1, date(2026, 1, 1), 1, 10),
            ("no_show_rate", 1, date(2026, 2, 1), 3, 10),
            ("no_show_rate", 2, date(2026, 1, 1), 2, 40),
            ("no_show_rate", 3, date(2026, 1, 1), 5, 50),
            ("no_show_rate", 3, date(2026, 2, 1), 0, 0),
        ],
        columns=compute.ROW_COLUMNS,
    )
    # when
    table = compute.roll_up(rows, SCOPES, {"no_show_rate": (compute.RATIO, compute.MONTH)})
    # then: R1 in January is (1 + 2) ÷ (10 + 40) = 0.06, not the mean of 0.1 and 0.05
    r1 = value_at(table, "no_show_rate", "region", "R1", "2026-01")
    assert (r1["numerator"], r1["denominator"], r1["value"]) == (3, 50, pytest.approx(0.06))
    # the network in January: (1 + 2 + 5) ÷ (10 + 40 + 50) = 0.08
    assert value_at(table, "no_show_rate", "network", "", "2026-01")["value"] == pytest.approx(0.08)
    # A's first quarter: (1 + 3) ÷ (10 + 10) = 0.2; R1's: (1 + 3 + 2) ÷ 60 = 0.1
    assert value_at(table, "no_show_rate", "clinic", "A", "2026-Q1")["value"] == pytest.approx(0.2)
    assert value_at(table, "no_show_rate", "region", "R1", "2026-Q1")["value"] == pytest.approx(0.1)
    # the network's quarter: 11 ÷ 110 = 0.1, and the organization equals the network here
    assert value_at(table, "no_show_rate", "network", "", "2026-Q1")["value"] == pytest.approx(0.1)
    assert value_at(table, "no_show_rate", "organization", "ORG", "2026-Q1")["value"] == (
        pytest.approx(0.1)
    )
    # C in February had no appointments: no value
    assert pd.isna(value_at(table, "no_show_rate", "clinic", "C", "2026-02")["value"])


def test_sums_add_up_and_quarterly_kpis_get_quarters_only():
    rows = pd.DataFrame(
        [
            ("new_patient_volume", 1, date(2026, 4, 1), 7, None),
            ("new_patient_volume", 2, date(2026, 5, 1), 5, None),
            ("provider_turnover", 1, date(2026, 4, 1), 0, 300),
        ],
        columns=compute.ROW_COLUMNS,
    )
    kpis = {
        "new_patient_volume": (compute.SUM, compute.MONTH),
        "provider_turnover": (compute.HEADCOUNT, compute.QUARTER),
    }
    table = compute.roll_up(rows, SCOPES, kpis)
    assert value_at(table, "new_patient_volume", "region", "R1", "2026-Q2")["value"] == 12
    assert value_at(table, "new_patient_volume", "network", "", "2026-05")["value"] == 5
    assert set(table.loc[table["kpi"] == "provider_turnover", "period"]) == {"2026-Q2"}


def test_a_median_is_taken_over_each_scopes_own_observations():
    rows = pd.DataFrame(
        [("lag_days", 1, date(2026, 1, 1), d, None) for d in (2, 4, 30)]
        + [("lag_days", 3, date(2026, 1, 1), d, None) for d in (10, 12)],
        columns=compute.ROW_COLUMNS,
    )
    table = compute.roll_up(rows, SCOPES, {"lag_days": (compute.MEDIAN, compute.MONTH)})
    assert value_at(table, "lag_days", "clinic", "A", "2026-01")["value"] == 4
    # the network's median of 2, 4, 10, 12, 30 is 10 — not the median of the medians (4, 11)
    assert value_at(table, "lag_days", "network", "", "2026-01")["value"] == 10


@given(
    st.lists(
        st.tuples(
            st.sampled_from([1, 2, 3]),
            st.sampled_from([date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]),
            st.integers(0, 50),
            st.integers(0, 50),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_every_level_sums_exactly_what_is_below_it(parts):
    rows = pd.DataFrame(
        [("utilization", c, m, n, n + d) for c, m, n, d in parts], columns=compute.ROW_COLUMNS
    )
    table = compute.roll_up(rows, SCOPES, {"utilization": (compute.RATIO, compute.MONTH)})
    network_q1 = value_at(table, "utilization", "network", "", "2026-Q1")
    clinics_q1 = table[(table["scope_type"] == "clinic") & (table["period"] == "2026-Q1")]
    months = table[(table["scope_type"] == "network") & (table["period"] != "2026-Q1")]
    assert network_q1["numerator"] == clinics_q1["numerator"].sum() == months["numerator"].sum()
    assert network_q1["denominator"] == rows["denominator"].sum()
    if network_q1["denominator"] > 0:
        expected = rows["numerator"].sum() / rows["denominator"].sum()
        assert network_q1["value"] == pytest.approx(expected)
    else:
        assert pd.isna(network_q1["value"])


# ---------------------------------------------------------------------------------------------
# Turnover, growth, return rates, the house metrics


def test_turnover_is_leavers_over_average_headcount_from_hire_and_leave_dates():
    # given: at clinic A, P1 works all of June 2026 (30 days), P2 leaves on 15 June (15 days,
    # both ends counted), P3 starts on 16 June (15 days)
    providers = pd.DataFrame(
        {
            "clinic_id": [1, 1, 1],
            "hired_on": [date(2020, 1, 1), date(2020, 1, 1), date(2026, 6, 16)],
            "left_on": [None, date(2026, 6, 15), None],
        }
    )
    months = [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    rows = compute.turnover_rows(providers, months).assign(kpi="provider_turnover")
    table = compute.roll_up(
        rows[compute.ROW_COLUMNS], SCOPES, {"provider_turnover": (compute.HEADCOUNT, "month")}
    )
    # then June: 60 provider-days ÷ 30 days = 2.0 on average; 1 leaver ÷ 2.0 = 0.5
    june = value_at(table, "provider_turnover", "clinic", "A", "2026-06")
    assert (june["numerator"], june["denominator"], june["value"]) == (1, 2.0, 0.5)
    # the quarter: P1 91 days, P2 30 + 31 + 15 = 76, P3 15 → 182 ÷ 91 = 2.0, so 1 ÷ 2.0 = 0.5
    quarter = value_at(table, "provider_turnover", "clinic", "A", "2026-Q2")
    assert (quarter["denominator"], quarter["value"]) == (2.0, 0.5)
    # April: two providers all month, nobody left
    assert value_at(table, "provider_turnover", "clinic", "A", "2026-04")["value"] == 0


def test_growth_compares_the_same_month_last_year_and_leaves_out_a_missing_year():
    # given: A had 10 new patients in March 2025 and 12 in March 2026; B opened in 2026 (5)
    counts = pd.DataFrame(
        {
            "clinic_id": [1, 1, 2],
            "month": [date(2025, 3, 1), date(2026, 3, 1), date(2026, 3, 1)],
            "count": [10, 12, 5],
        }
    )
    rows = compute.growth_rows(counts).assign(kpi="np_growth_yoy")
    table = compute.roll_up(
        rows[compute.ROW_COLUMNS], SCOPES, {"np_growth_yoy": (compute.RATIO, compute.MONTH)}
    )
    # then: A grew (12 − 10) ÷ 10 = 20 %; R1 too, because B has no March 2025 to compare with
    assert value_at(table, "np_growth_yoy", "clinic", "A", "2026-03")["value"] == pytest.approx(0.2)
    assert value_at(table, "np_growth_yoy", "region", "R1", "2026-03")["value"] == pytest.approx(
        0.2
    )
    assert not (table["scope_code"] == "B").any()
    # March 2025 itself has no year before it: no growth at all
    assert not (table["period"] == "2025-03").any()


def test_a_region_with_no_year_before_has_no_growth():
    counts = pd.DataFrame({"clinic_id": [2], "month": [date(2026, 3, 1)], "count": [5]})
    assert compute.growth_rows(counts).empty


def test_return_rates_count_a_kept_visit_within_the_window_of_complete_cohorts():
    # given: X's new-patient visit on 10 Jan returns on 1 Mar (50 days); Y's on 20 Jan returns
    # on 1 May (101 days); Z's on 5 Feb returns on 10 Feb
    new = pd.DataFrame(
        {
            "patient_key": ["X", "Y", "Z"],
            "clinic_id": [1, 1, 1],
            "date": [date(2026, 1, 10), date(2026, 1, 20), date(2026, 2, 5)],
        }
    )
    kept = pd.DataFrame(
        {
            "patient_key": ["X", "X", "Y", "Y", "Z", "Z"],
            "date": [date(2026, 1, 10), date(2026, 3, 1), date(2026, 1, 20), date(2026, 5, 1),
                     date(2026, 2, 5), date(2026, 2, 10)],
        }
    )  # fmt: skip
    # when: on 1 May, January's 90-day windows have all closed (31 Jan + 90 = 1 May) and
    # February's have not
    rows = compute.return_rows(new, kept, 90, date(2026, 5, 1))
    # then: January 1 of 2 returned within 90 days; February is not counted yet
    assert rows.to_dict("records") == [
        {"clinic_id": 1, "month": date(2026, 1, 1), "numerator": 1.0, "denominator": 2.0}
    ]
    # and within 365 days, once the year has passed, both returned
    year = compute.return_rows(new, kept, 365, date(2027, 3, 1))
    assert year.set_index("month").loc[date(2026, 1, 1), "numerator"] == 2


def test_the_value_based_care_index_is_revenue_times_quality_over_expense():
    # 1,000,000 × 0.9 ÷ 900,000 = 1.0
    assert compute.vbc_index(1_000_000, 0.9, 900_000) == pytest.approx(1.0)
    assert compute.vbc_index(800_000, 0.75, 750_000) == pytest.approx(0.8)
    assert compute.vbc_index(1_000_000, 0.9, 0) is None
    assert compute.vbc_index(None, 0.9, 900_000) is None


def test_operating_margin_keeps_its_parts_so_that_it_pools():
    assert compute.operating_margin(200.0, 150.0) == (50.0, 200.0)
    assert compute.operating_margin(None, 150.0) is None


def test_maturity_overall_is_the_lowest_domain_with_the_mean_beside_it():
    assert compute.maturity_overall({"governance": 3, "data_integration": 2, "culture": 4}) == (
        2,
        3.0,
    )
    assert compute.maturity_overall({}) == (None, None)


def test_a_sparkline_skips_gaps_and_centres_a_flat_line():
    assert compute.trend_points([1.0, None, 1.0], width=10, height=10) == "0.0,5.0 10.0,5.0"
    assert compute.trend_points([None, 2.0]) == ""


def test_a_cohort_period_closes_when_its_last_window_does():
    # October's last new patient (31 Oct) has until 29 January for a 90-day return
    assert compute.cohort_closes("return_rate_90", compute.period_parse("2026-10")) == date(
        2027, 1, 29
    )
    assert compute.cohort_closes("utilization", compute.period_parse("2026-10")) is None
