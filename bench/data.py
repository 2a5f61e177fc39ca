"""The benchmark's appointment file: canonical CSV rows (DESIGN §4) placed on template slots.

Pure numpy/pandas, like `capacity.compute`: the slots and the network's codes come in as frames,
the file goes out as bytes, and the same seed gives the same file. Times are clinic-local and
naive, as a scheduling system exports them, so the import localizes every row.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

COLUMNS = [
    "appointment_id", "clinic_code", "provider_npi", "visit_type_code", "start",
    "duration_minutes", "status", "is_new_patient", "patient_id", "booked_at", "cancelled_at",
    "referral_source",
]  # fmt: skip
PAST_STATUSES = (("fulfilled", 0.83), ("arrived", 0.01), ("noshow", 0.075), ("cancelled", 0.08),
                 ("booked", 0.005))  # fmt: skip
FUTURE_STATUSES = (("booked", 0.93), ("cancelled", 0.07))
LATE_CANCEL_SHARE = 1 / 3
REFERRALS = np.array(["Physician referral", "Web", "Phone", "Insurance directory", "Social"])
VISITS_PER_PATIENT = 4
MINUTE = np.timedelta64(1, "m")


def appointments_csv(
    slots: pd.DataFrame,
    clinics: pd.DataFrame,
    providers: pd.DataFrame,
    visit_types: pd.DataFrame,
    *,
    count: int,
    today: date,
    seed: int = 7,
    id_prefix: str = "B",
) -> bytes:
    """`count` appointments on the slots, sorted by start, as a canonical CSV file.

    `slots` has clinic_id, provider_id, visit_type_id, date and start_minute (compute.supply);
    `clinics` clinic_id and code; `providers` provider_id and npi; `visit_types` visit_type_id,
    code, minutes and is_new_patient. Each slot is used at most once while there are enough of
    them; beyond that some are double-booked. Days before `today` are resolved (a few left
    booked, as unresolved), later days booked or cancelled; bookings and cancellations are made
    before `today` and before the start. Ids are `id_prefix` and a running number, so that
    another file (a day's, "D…") adds rows instead of updating these.
    """
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(slots), size=count, replace=count > len(slots))
    rows = slots.iloc[np.sort(chosen)][
        ["clinic_id", "provider_id", "visit_type_id", "date", "start_minute"]
    ].astype({"provider_id": np.int64, "visit_type_id": np.int64})
    rows = rows.merge(clinics[["clinic_id", "code"]], on="clinic_id", how="left")
    rows = rows.merge(providers[["provider_id", "npi"]], on="provider_id", how="left")
    rows = rows.merge(
        visit_types[["visit_type_id", "code", "minutes", "is_new_patient"]].rename(
            columns={"code": "visit_type_code"}
        ),
        on="visit_type_id",
        how="left",
    )
    day = pd.to_datetime(rows["date"]).to_numpy().astype("datetime64[m]")
    start = day + rows["start_minute"].to_numpy().astype(np.int64) * MINUTE
    order = np.argsort(start, kind="stable")
    rows, start, day = rows.iloc[order].reset_index(drop=True), start[order], day[order]
    new = rows["is_new_patient"].to_numpy(dtype=bool)
    midnight = np.datetime64(today, "m")

    past = day < midnight
    status = np.where(
        past,
        _pick(rng, PAST_STATUSES, count),
        _pick(rng, FUTURE_STATUSES, count),
    )
    # Bookings in office hours, 3–30 days ahead for new patients and 7–60 for follow-ups; nothing
    # is booked after yesterday ends.
    lead = np.where(new, rng.integers(3, 31, count), rng.integers(7, 61, count))
    booked = day - lead * 1440 * MINUTE + rng.integers(8 * 60, 17 * 60, count) * MINUTE
    booked = np.minimum(booked, np.minimum(start, midnight - MINUTE))
    # A late cancellation comes 1–4 hours before a start of 07:30 or later: never in the small
    # hours that a spring-forward day skips.
    late = rng.random(count) < LATE_CANCEL_SHARE
    notice = np.where(late, rng.integers(60, 241, count), rng.integers(2, 11, count) * 1440)
    cancelled = np.clip(start - notice * MINUTE, booked, midnight - MINUTE)
    cancelled_text = np.where(status == "cancelled", _iso(cancelled), "")

    patients = rng.integers(1, max(count // VISITS_PER_PATIENT, 1) + 1, count)
    referral = np.where(new, REFERRALS[rng.integers(0, len(REFERRALS), count)], "")
    frame = pd.DataFrame(
        {
            "appointment_id": id_prefix
            + pd.Series(np.arange(1, count + 1)).astype(str).str.zfill(8),
            "clinic_code": rows["code"],
            "provider_npi": rows["npi"],
            "visit_type_code": rows["visit_type_code"],
            "start": _iso(start),
            "duration_minutes": rows["minutes"],
            "status": status,
            "is_new_patient": np.where(new, "yes", "no"),
            "patient_id": "P" + pd.Series(patients).astype(str).str.zfill(7),
            "booked_at": _iso(booked),
            "cancelled_at": cancelled_text,
            "referral_source": referral,
        },
        columns=COLUMNS,
    )
    return frame.to_csv(index=False, lineterminator="\n").encode()


def _pick(rng: np.random.Generator, choices: tuple, count: int) -> np.ndarray:
    names = np.array([name for name, _ in choices])
    weights = np.array([weight for _, weight in choices])
    return names[rng.choice(len(names), size=count, p=weights / weights.sum())]


def _iso(times: np.ndarray) -> np.ndarray:
    """2025-03-04T09:30: local, to the minute, without an offset."""
    return np.datetime_as_string(times, unit="m")
