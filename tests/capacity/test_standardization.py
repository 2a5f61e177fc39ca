"""Template standardization index (DESIGN §3), hand-worked."""

import math
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from capacity import compute, selectors
from tests import factories

TODAY = date(2024, 7, 1)


def assignment(provider, template, weekdays, starts="2024-01-01", ends=None, left=None):
    return {
        "provider_id": provider, "clinic_id": 1, "template_id": template, "weekdays": weekdays,
        "starts_on": date.fromisoformat(starts), "ends_on": ends and date.fromisoformat(ends),
        "hired_on": date(2020, 1, 1), "left_on": left and date.fromisoformat(left),
    }  # fmt: skip


def block(template, weekday, start, end, visit_type, minutes, new):
    return {
        "template_id": template, "weekday": weekday, "start_minute": start, "end_minute": end,
        "visit_type_id": visit_type, "slot_minutes": minutes, "is_new_patient": new,
    }  # fmt: skip


# Template 1, Mondays and Tuesdays: 08–12 follow-ups (240 min), 13–15 new patients (120 min),
# 12–13 blocked. Template 2, Mondays: 08–12 follow-ups, 12:00–12:50 follow-ups (3 whole slots).
BLOCKS = pd.DataFrame(
    [
        block(1, d, 480, 720, 10, 15, False) for d in (0, 1)
    ] + [block(1, d, 780, 900, 11, 30, True) for d in (0, 1)] + [
        block(1, 0, 720, 780, None, None, False),
        block(2, 0, 480, 720, 10, 15, False),
        block(2, 0, 720, 770, 10, 15, False),
    ]
)  # fmt: skip


def test_weekly_minutes_count_whole_slots_on_assignments_in_force():
    # given: provider 1 on template 1 Mon+Tue; provider 3 on template 2 Mon; provider 4's
    # assignment ended before today; provider 5 left before today
    assignments = pd.DataFrame(
        [
            assignment(1, 1, [0, 1]),
            assignment(3, 2, [0]),
            assignment(4, 1, [0], ends="2024-06-30"),
            assignment(5, 1, [0], left="2024-06-30"),
        ]
    )
    # when
    week = compute.template_week(assignments, BLOCKS, TODAY).set_index("provider_id")
    # then: provider 1: 2 × (240 + 120) = 720, new 240; provider 3: 240 + 45 (not 50) = 285
    assert week.to_dict("index") == {
        1: {"minutes": 720, "new_minutes": 240},
        3: {"minutes": 285, "new_minutes": 0},
    }


def test_the_index_is_one_minus_the_mean_coefficient_of_variation():
    # given: three orthopedic providers
    #   1: 720 min a week, 240 new, FTE 1.0 → share 1/3, 720 per FTE
    #   2: 360 min, 120 new, FTE 0.5       → share 1/3, 720 per FTE
    #   3: 240 min, 0 new, FTE 1.0         → share 0,   240 per FTE
    week = pd.DataFrame(
        {"provider_id": [1, 2, 3], "minutes": [720, 360, 240], "new_minutes": [240, 120, 0]}
    )
    providers = pd.DataFrame(
        {"provider_id": [1, 2, 3], "service_line_id": [7, 7, 7], "fte": [1.0, 0.5, 1.0]}
    )
    # when
    row = compute.standardization(week, providers).iloc[0]
    # then: shares mean 2/9, population sd √2/9, CV √2/2 ≈ 0.7071;
    # per FTE mean 560, sd √51200 ≈ 226.27, CV ≈ 0.4041; index = 1 − (0.7071 + 0.4041) / 2
    assert row["providers"] == 3
    assert row["cv_new_share"] == pytest.approx(math.sqrt(2) / 2)
    assert row["cv_minutes_per_fte"] == pytest.approx(math.sqrt(51200) / 560)
    assert row["index"] == pytest.approx(1 - (math.sqrt(2) / 2 + math.sqrt(51200) / 560) / 2)
    assert row["index"] == pytest.approx(0.4444, abs=1e-4)


def test_identical_templates_per_fte_are_fully_standard():
    week = pd.DataFrame({"provider_id": [1, 2], "minutes": [720, 360], "new_minutes": [240, 120]})
    providers = pd.DataFrame({"provider_id": [1, 2], "service_line_id": [7, 7], "fte": [1.0, 0.5]})
    assert compute.standardization(week, providers).iloc[0]["index"] == 1.0


@pytest.mark.django_db
def test_the_selector_reads_the_network_as_planned_today():
    # given: two orthopedic providers on the same template, one at half FTE on half the days
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15)
    np_ = factories.VisitTypeFactory(code="ORTHO-NP", minutes=30, is_new_patient=True)
    template = factories.TemplateFactory(
        code="STD", blocks=[(d, "08:00", "12:00", fu) for d in (0, 1)]
        + [(d, "13:00", "15:00", np_) for d in (0, 1)],
    )  # fmt: skip
    clinic = factories.ClinicFactory(code="C01")
    factories.AssignmentFactory(clinic=clinic, template=template, weekdays=[0, 1])
    half = factories.ProviderFactory(fte=Decimal("0.50"))
    factories.AssignmentFactory(provider=half, clinic=clinic, template=template, weekdays=[0])
    # when
    table, detail = selectors.standardization_table(today=TODAY)
    # then: both 1/3 new and 720 minutes per FTE: fully standard
    assert table.to_dict("records")[0]["index"] == 1.0
    assert table.to_dict("records")[0]["service_line"] == "Orthopedics"
    assert sorted(detail["minutes"]) == [360, 720]
