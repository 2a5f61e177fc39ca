"""Third next available (DESIGN §3 "TNAA"): hand-worked days, censoring, replay and records."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pandas as pd
import pytest
from django.core.management import call_command

from capacity import compute, selectors, services
from capacity.models import ThirdNextAvailable
from tests import factories
from tests.capacity.test_rollups import appointment

NaT = pd.NaT


def slots(*specs, provider=1, clinic=1, new=False, busy=()):
    """Slots of 15 minutes starting at the given local times "YYYY-MM-DD HH:MM"."""
    starts = pd.to_datetime(list(specs))
    return pd.DataFrame(
        {
            "provider_id": provider,
            "clinic_id": clinic,
            "is_new_patient": new,
            "start": starts,
            "end": starts + pd.Timedelta(minutes=15),
            "busy": [s in busy for s in specs],
        }
    )


def holds(*specs, provider=1):
    """(start, minutes, booked, cancelled) in local time; None for unknown / never."""
    rows = [
        {
            "provider_id": provider,
            "start": pd.Timestamp(start),
            "end": pd.Timestamp(start) + pd.Timedelta(minutes=minutes),
            "held_from": pd.Timestamp(booked) if booked else NaT,
            "held_to": pd.Timestamp(cancelled) if cancelled else NaT,
        }
        for start, minutes, booked, cancelled in specs
    ]
    return pd.DataFrame(rows, columns=compute.TNAA_HOLD_COLUMNS)


MONDAY = date(2024, 7, 1)
WEEK = slots(
    "2024-07-01 09:00", "2024-07-01 09:15", "2024-07-01 09:30",
    "2024-07-02 09:00", "2024-07-02 09:15",
    "2024-07-08 09:00",
)  # fmt: skip


def tnaa(slot_frame, hold_frame, day=MONDAY, **kwargs) -> dict:
    out = compute.third_next_available(slot_frame, hold_frame, [day], **kwargs)
    return out.iloc[0].to_dict()


def test_three_free_slots_on_the_day_itself_is_zero_days():
    assert tnaa(WEEK, holds())["days"] == 0


def test_a_held_slot_pushes_the_third_free_one_to_the_next_day():
    # given: 09:15 on Monday is booked (booking time unknown: long before)
    # then: free are Mon 09:00, Mon 09:30, Tue 09:00 → 1 day
    assert tnaa(WEEK, holds(("2024-07-01 09:15", 15, None, None)))["days"] == 1


def test_a_long_visit_takes_every_slot_it_overlaps():
    # given: a 30-minute visit from 09:00 Monday covers 09:00 and 09:15; one at 09:00 Tuesday
    taken = holds(("2024-07-01 09:00", 30, None, None), ("2024-07-02 09:00", 15, None, None))
    # then: free Mon 09:30, Tue 09:15, then Monday 8 July → 7 days (the weekend counts)
    assert tnaa(WEEK, taken)["days"] == 7


def test_the_sites_own_busy_slots_are_not_free():
    calendar = slots(
        "2024-07-01 09:00", "2024-07-01 09:15", "2024-07-01 09:30", "2024-07-02 09:00",
        busy=("2024-07-01 09:00",),
    )  # fmt: skip
    assert tnaa(calendar, holds())["days"] == 1


def test_a_replayed_day_sees_the_bookings_and_cancellations_of_that_morning():
    # given: Mon 09:00 booked on Monday at 10:00 (after that morning); Mon 09:15 booked the week
    # before and cancelled on Sunday; Mon 09:30 booked on 28 June and cancelled on Tuesday.
    taken = holds(
        ("2024-07-01 09:00", 15, "2024-07-01 10:00", None),
        ("2024-07-01 09:15", 15, "2024-06-24 08:00", "2024-06-30 12:00"),
        ("2024-07-01 09:30", 15, "2024-06-28 08:00", "2024-07-02 08:00"),
    )
    # then: on Monday morning 09:00 and 09:15 were free, 09:30 held: the third is Tue 09:00
    assert tnaa(WEEK, taken)["days"] == 1
    # and on the Friday before, only 09:30 was taken then too (09:15 was booked on 24 June)
    friday = compute.third_next_available(WEEK, taken, [date(2024, 6, 28)]).iloc[0]
    assert friday["days"] == 4  # Mon 09:00, Tue 09:00, Tue 09:15 → Tuesday, 4 days on


def test_fewer_than_three_free_slots_in_180_days_is_censored():
    # given: two slots on the day, and one exactly 181 days later (outside the horizon)
    far = slots("2024-07-01 09:00", "2024-07-01 09:15", "2024-12-29 09:00")
    # when
    record = tnaa(far, holds())
    # then
    assert record["censored"] is True or record["censored"] == True  # noqa: E712 - numpy bool
    assert pd.isna(record["days"])
    # a slot on day 180 is inside: the third free slot is 180 days away
    inside = slots("2024-07-01 09:00", "2024-07-01 09:15", "2024-12-28 09:00")
    assert tnaa(inside, holds())["days"] == 180


def test_slots_before_the_day_do_not_count():
    assert tnaa(WEEK, holds(), day=date(2024, 7, 2))["days"] == 6  # Tue, Tue, Mon 8 July


def test_each_provider_and_class_is_its_own_record():
    # given: provider 2's new-patient slots on Wednesday only; provider 1's week
    other = slots("2024-07-03 13:00", "2024-07-03 13:15", "2024-07-03 13:30", provider=2, new=True)
    both = pd.concat([WEEK, other], ignore_index=True)
    # when
    out = compute.third_next_available(both, holds(), [MONDAY])
    # then
    got = {(r.provider_id, r.is_new_patient): r.days for r in out.itertuples()}
    assert got == {(1, False): 0, (2, True): 2}


def test_the_trend_means_provider_values_and_leaves_censored_ones_out():
    # given: three providers on two days of July; one censored
    records = pd.DataFrame(
        {
            "provider_id": [1, 2, 3, 1],
            "clinic_id": [1, 1, 1, 1],
            "is_new_patient": [True, True, True, True],
            "date": [date(2024, 7, 1), date(2024, 7, 1), date(2024, 7, 1), date(2024, 7, 2)],
            "days": [4.0, 10.0, float("nan"), 1.0],
            "censored": [False, False, True, False],
        }
    )
    # when
    trend = compute.tnaa_trend(records, "month")
    # then: (4 + 10 + 1) / 3 = 5, one censored of four records
    row = trend.iloc[0]
    assert (row["period"], row["tnaa_days"], row["records"], row["censored"]) == (
        "2024-07",
        5.0,
        4,
        1,
    )


# ---------------------------------------------------------------------------------------------
# Recorded in the database


@pytest.fixture
def mondays(db):
    """C01 (Chicago): one provider on Mondays 08:00–08:45, three 15-minute follow-up slots."""
    clinic = factories.ClinicFactory(code="C01", timezone="America/Chicago")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15)
    template = factories.TemplateFactory(code="STD", blocks=[(0, "08:00", "08:45", fu)])
    provider = factories.AssignmentFactory(
        clinic=clinic, template=template, weekdays=[0], starts_on=date(2024, 6, 1)
    ).provider
    return clinic, provider, fu


def test_recorded_days_come_from_templates_and_appointments(mondays):
    # given: Monday 1 July 08:15 booked on 20 June; 8 July 08:00 booked on 2 July
    clinic, provider, fu = mondays
    at_0815 = datetime(2024, 7, 1, 13, 15, tzinfo=UTC)  # 08:15 in Chicago
    appointment(clinic, provider, fu, at_0815, "fulfilled", booked_at=at_0815 - timedelta(days=11))
    at_0800 = datetime(2024, 7, 8, 13, 0, tzinfo=UTC)
    appointment(
        clinic, provider, fu, at_0800, "booked", booked_at=datetime(2024, 7, 2, 15, 0, tzinfo=UTC)
    )
    # when: Saturday 29 June to Wednesday 3 July are recorded
    summary = services.tnaa_record(first=date(2024, 6, 29), last=date(2024, 7, 3))
    # then
    got = dict(
        ThirdNextAvailable.objects.filter(provider=provider, is_new_patient=False)
        .order_by("date")
        .values_list("date", "days")
    )
    assert got == {
        date(2024, 6, 29): 9,  # Mon 1 July 08:00, 08:30, Mon 8 July 08:00 → 9 days
        date(2024, 6, 30): 8,
        date(2024, 7, 1): 7,
        # from Tuesday: 8 July 08:15, 08:30, 15 July 08:00 (08:00 on the 8th not yet booked)
        date(2024, 7, 2): 6,
        # from Wednesday the 8th's 08:00 is booked: 08:15, 08:30, 15 July 08:00, 08:15 → 12
        date(2024, 7, 3): 12,
    }
    assert summary == {"records": 5, "censored": 0, "days": 5}


def test_recording_again_changes_nothing(mondays):
    services.tnaa_record(first=date(2024, 7, 1), last=date(2024, 7, 7))
    before = list(ThirdNextAvailable.objects.order_by("date").values_list("date", "days"))
    services.tnaa_record(first=date(2024, 7, 1), last=date(2024, 7, 7))
    assert list(ThirdNextAvailable.objects.order_by("date").values_list("date", "days")) == before
    assert len(before) == 7


def test_a_provider_who_leaves_is_censored_then_gone(mondays):
    # given: the provider leaves on Tuesday 9 July; 08:00 on Monday 8 July is booked
    clinic, provider, fu = mondays
    provider.left_on = date(2024, 7, 9)
    provider.save()
    appointment(clinic, provider, fu, datetime(2024, 7, 8, 13, 0, tzinfo=UTC), "booked")
    # when
    services.tnaa_record(first=date(2024, 7, 1), last=date(2024, 7, 9))
    rows = selectors.tnaa_frame(first=date(2024, 7, 1), last=date(2024, 7, 9)).set_index("date")
    # then: on the 1st its own three slots are free (0 days); from the 2nd only the 8th's two
    # free slots are left: censored; from the 9th no slot at all, so no record
    assert rows.loc[date(2024, 7, 1), "days"] == 0
    later = rows.drop(index=date(2024, 7, 1))
    assert later.index.tolist() == [date(2024, 7, d) for d in range(2, 9)]
    assert later["censored"].all() and later["days"].isna().all()


def test_the_backfill_command_records_each_day(mondays):
    out = StringIO()
    call_command(
        "tnaa_backfill", "--from", "2024-07-01", "--to", "2024-07-31", "--clinic", "C01", stdout=out
    )
    assert (
        out.getvalue().strip()
        == "31 third-next-available records for 2024-07-01 to 2024-07-31 (0 censored)"
    )
    with pytest.raises(Exception, match="unknown clinic 'C99'"):
        call_command("tnaa_backfill", "--from", "2024-07-01", "--clinic", "C99")
    with pytest.raises(Exception, match="'2024-13-01' is not a date"):
        call_command("tnaa_backfill", "--from", "2024-13-01")


def test_the_api_gives_the_monthly_mean_per_class(mondays, client, board_user):
    # given: July recorded; every day's third free slot is the coming Monday's third (0 on Mondays)
    services.tnaa_record(first=date(2024, 7, 1), last=date(2024, 7, 7))
    client.force_login(board_user)
    # when
    rows = client.get("/api/tnaa/", {"clinic": "C01", "start": "2024-07", "end": "2024-07"}).json()
    # then: 1 July 0 days, 2 July 6 … 7 July 1: (0 + 6 + 5 + 4 + 3 + 2 + 1) / 7 = 3
    assert rows == [
        {"period": "2024-07", "scope": "C01", "visit_class": "established", "tnaa_days": 3.0,
         "records": 7, "censored": 0}
    ]  # fmt: skip
    bad = client.get("/api/tnaa/", {"region": "R9", "start": "2024-07", "end": "2024-06"})
    assert bad.status_code == 400
    assert bad.json() == {"errors": {"end": ["2024-06 is before 2024-07"]}}


@pytest.mark.django_db
def test_the_api_needs_a_login(client):
    assert client.get("/api/tnaa/", {"start": "2024-07", "end": "2024-07"}).status_code == 401
    assert client.get("/api/standardization/").status_code == 401
