"""The pure rules of the supply side, on hand-made examples and hypothesis properties."""

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from clinics import compute
from clinics.compute import Block, Placement


def test_npi_check_digit_follows_luhn_on_the_80840_prefix():
    # given: the CMS example NPI 123456789 + check digit.
    # Luhn over 80840123456789: doubling every second digit from the right of the payload
    # gives a sum of 67; the check digit that makes 67 + d a multiple of 10 is 3.
    # then
    assert compute.npi_check_digit("123456789") == "3"
    assert compute.npi_is_valid("1234567893")
    assert not compute.npi_is_valid("1234567890")


def test_npi_must_be_ten_digits():
    assert not compute.npi_is_valid("123456789")
    assert not compute.npi_is_valid("12345678931")
    assert not compute.npi_is_valid("12345678a3")
    assert not compute.npi_is_valid("")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_exactly_one_check_digit(first_nine):
    valid = [d for d in "0123456789" if compute.npi_is_valid(first_nine + d)]
    assert valid == [compute.npi_check_digit(first_nine)]


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(0, 8),
    st.integers(1, 9),
)
def test_changing_one_digit_breaks_the_check(first_nine, position, delta):
    npi = first_nine + compute.npi_check_digit(first_nine)
    changed = npi[:position] + str((int(npi[position]) + delta) % 10) + npi[position + 1 :]
    assert not compute.npi_is_valid(changed)


def t(s: str) -> time:
    return time.fromisoformat(s)


def test_a_block_that_ends_before_it_starts_is_refused():
    problems = compute.block_problems([Block(0, t("12:00"), t("08:00"), 15, "FU")])
    assert [(p.index, p.field, p.message) for p in problems] == [
        (0, "end", "ends at 08:00, not after its start 12:00")
    ]


def test_a_block_must_be_whole_slots_of_its_visit_type():
    # 08:00–09:50 is 110 minutes: 3 slots of 30 and 20 minutes left over
    problems = compute.block_problems([Block(0, t("08:00"), t("09:50"), 30, "NP")])
    assert [(p.field, p.message) for p in problems] == [
        ("end", "lasts 110 minutes, not a whole number of 30-minute NP slots")
    ]


def test_blocked_time_has_no_slot_length_to_respect():
    assert compute.block_problems([Block(0, t("12:00"), t("12:50"), None, None)]) == []


def test_overlapping_blocks_on_one_day_are_refused_but_not_across_days():
    blocks = [
        Block(0, t("08:00"), t("12:00"), 15, "FU"),
        Block(0, t("11:00"), t("13:00"), 15, "FU"),  # overlaps Monday 08–12
        Block(1, t("11:00"), t("13:00"), 15, "FU"),  # Tuesday: fine
        Block(0, t("12:00"), t("13:00"), None),  # touches 08–12 at noon; overlaps 11–13
    ]
    problems = compute.block_problems(blocks)
    assert [(p.index, p.field, p.message) for p in problems] == [
        (1, "start", "overlaps the block mon 08:00–12:00"),
        (3, "start", "overlaps the block mon 11:00–13:00"),
    ]


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(1, 8), st.sampled_from([10, 15, 20, 30])),
        max_size=12,
    )
)
def test_back_to_back_whole_slot_blocks_are_always_valid(specs):
    # given: each day filled from 07:00 with consecutive blocks of whole slots
    cursor = dict.fromkeys(range(7), 7 * 60)
    blocks = []
    for weekday, slots, minutes in specs:
        start = cursor[weekday]
        end = start + slots * minutes
        if end >= 24 * 60:
            continue
        blocks.append(
            Block(weekday, time(start // 60, start % 60), time(end // 60, end % 60), minutes)
        )
        cursor[weekday] = end
    # then
    assert compute.block_problems(blocks) == []


MON_MORNING = (Block(0, t("08:00"), t("12:00"), 15, "FU"),)
MON_AFTERNOON = (Block(0, t("13:00"), t("17:00"), 15, "FU"),)


def placement(clinic, blocks, days=(0,), start=date(2024, 1, 1), end=None):
    return Placement(clinic, "TPL", frozenset(days), start, end, blocks)


def test_two_clinics_at_the_same_time_clash():
    clash = compute.placement_conflict(
        placement("C02", MON_MORNING), [placement("C01", MON_MORNING)]
    )
    assert clash == "overlaps the assignment at C01 (TPL) on mon 08:00–12:00 from 2024-01-01"


def test_morning_at_one_clinic_and_afternoon_at_another_do_not_clash():
    assert (
        compute.placement_conflict(placement("C02", MON_AFTERNOON), [placement("C01", MON_MORNING)])
        is None
    )


def test_assignments_that_do_not_share_dates_or_days_do_not_clash():
    earlier = placement("C01", MON_MORNING, end=date(2024, 6, 30))
    later = placement("C02", MON_MORNING, start=date(2024, 7, 1))
    other_day = placement("C02", (Block(1, t("08:00"), t("12:00"), 15),), days=(1,))
    assert compute.placement_conflict(later, [earlier]) is None
    assert compute.placement_conflict(other_day, [earlier]) is None
    # an open-ended assignment overlaps everything after its start, dates inclusive
    assert compute.placement_conflict(
        placement("C02", MON_MORNING, start=date(2024, 6, 30)), [earlier]
    )


def test_blocks_must_fit_the_clinic_hours():
    hours = {0: (t("08:00"), t("17:00"))}
    assert compute.outside_hours(MON_MORNING, [0], hours) is None
    late = (Block(0, t("16:00"), t("18:00"), 15),)
    assert compute.outside_hours(late, [0], hours) == (
        "block mon 16:00–18:00 is outside the clinic's hours 08:00–17:00"
    )
    tuesday = (Block(1, t("08:00"), t("12:00"), 15),)
    assert compute.outside_hours(tuesday, [1], hours) == "the clinic is closed on tue"
