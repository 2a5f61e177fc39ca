"""Appointment import: canonical CSV, mapping files, bad rows, idempotence, the 3-year rule."""

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from capacity import compute, importers, services
from capacity.models import Appointment
from tests import factories

HEADER = (
    "appointment_id,clinic_code,provider_npi,visit_type_code,start,duration_minutes,status,"
    "is_new_patient,patient_id,booked_at,cancelled_at,referral_source"
)


def network():
    clinic = factories.ClinicFactory(code="C01", timezone="America/Chicago")
    provider = factories.ProviderFactory(npi="1234567893")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15)
    np_ = factories.VisitTypeFactory(code="ORTHO-NP", minutes=30, is_new_patient=True)
    return clinic, provider, fu, np_


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def import_csv(content: bytes, **kwargs):
    return services.appointments_import(
        content=content, source=kwargs.pop("source", "pm"), **kwargs
    )


def errors_of(content: bytes, **kwargs) -> list[str]:
    with pytest.raises(importers.ImportFileError) as caught:
        import_csv(content, **kwargs)
    return [e.line() for e in caught.value.errors]


GOOD = csv(
    "A1,C01,1234567893,ORTHO-NP,2024-07-01T08:00,,fulfilled,yes,MRN-1,2024-06-20T10:00,,web",
    "A2,C01,1234567893,ORTHO-FU,2024-07-01T23:30-05:00,15,noshow,no,MRN-2,,,",
    "A3,C01,,ORTHO-FU,2024-07-02T09:00:00+00:00,20,cancelled,,MRN-3,,2024-07-01T20:00:00+00:00,",
)


@pytest.mark.django_db
def test_canonical_csv_imports_every_row_with_local_dates_and_defaults():
    _clinic, provider, _fu, _np = network()
    # when
    summary = import_csv(GOOD)
    # then
    assert (summary["created"], summary["rows"]) == (3, 3)
    a1, a2, a3 = Appointment.objects.order_by("external_id")
    # 08:00 without an offset is Chicago time (CDT, UTC−5) → 13:00 UTC; 30 min from ORTHO-NP
    assert a1.start == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)
    assert (a1.duration_minutes, a1.is_new_patient, a1.provider_id) == (30, True, provider.pk)
    assert a1.booked_at == datetime(2024, 6, 20, 15, 0, tzinfo=UTC)
    # 23:30 in Chicago is 04:30 UTC the next day, but its clinic day is 1 July
    assert a2.local_date == date(2024, 7, 1)
    # 09:00 UTC is 04:00 in Chicago on 2 July; no provider: a clinic-level appointment
    assert (a3.local_date, a3.provider_id, a3.duration_minutes) == (date(2024, 7, 2), None, 20)
    assert a3.cancelled_at == datetime(2024, 7, 1, 20, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_patient_identifiers_are_stored_only_as_a_keyed_hash():
    network()
    import_csv(GOOD)
    keys = list(Appointment.objects.order_by("external_id").values_list("patient_key", flat=True))
    assert all(len(k) == 64 for k in keys)
    assert not any("MRN" in str(v) for row in Appointment.objects.values() for v in row.values())
    # the same patient gets the same key in another file
    import_csv(csv("B1,C01,,ORTHO-FU,2024-08-01T09:00,,booked,,MRN-1,,,"), source="other")
    assert Appointment.objects.get(external_id="B1").patient_key == keys[0]


@pytest.mark.django_db
def test_reimporting_changes_nothing_and_a_new_status_updates_the_row():
    network()
    import_csv(GOOD)
    stamps = dict(Appointment.objects.values_list("external_id", "updated_at"))
    # when: the same file again
    summary = import_csv(GOOD)
    # then
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 0, 3)
    assert dict(Appointment.objects.values_list("external_id", "updated_at")) == stamps
    # when: A2 became arrived in the next export
    summary = import_csv(GOOD.replace(b",noshow,", b",arrived,"))
    assert (summary["updated"], summary["unchanged"]) == (1, 2)
    assert Appointment.objects.get(external_id="A2").status == "arrived"
    assert Appointment.objects.count() == 3


@pytest.mark.django_db
def test_a_dry_run_writes_nothing():
    network()
    summary = import_csv(GOOD, dry_run=True)
    assert summary["created"] == 3
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_every_bad_row_is_named_and_nothing_is_written():
    network()
    content = csv(
        "A1,C09,1234567893,ORTHO-FU,2024-07-01T08:00,,fulfilled,,P,,,",
        "A2,C01,1234567890,ORTHO-XX,2024-07-01T08:00,,fulfilled,,P,,,",
        "A3,C01,,ORTHO-FU,2024-03-10T02:30,,booked,,P,,,",
        "A4,C01,,ORTHO-FU,01/07/2024 08:00,,booked,,P,,,",
        "A1,C01,,ORTHO-FU,2024-07-01T09:00,,seen,maybe,P,,,",
        "A6,C01,,ORTHO-FU,2024-07-01T09:00,-5,booked,,P,,,",
    )
    assert errors_of(content) == [
        "row 2, clinic_code: unknown clinic 'C09'",
        "row 3, provider_npi: unknown provider NPI '1234567890'",
        "row 3, visit_type_code: unknown visit type 'ORTHO-XX'",
        "row 4, start: 2024-03-10T02:30 does not exist in America/Chicago (the clocks skip it)",
        "row 5, start: '01/07/2024 08:00' is not a time in the format ISO 8601 such as 2025-03-04T09:30",
        "row 6, appointment_id: 'A1' is already used on row 2",
        "row 6, status: 'seen' is not one of booked, arrived, fulfilled, noshow, cancelled",
        "row 6, is_new_patient: 'maybe' is not yes/no, true/false or 1/0",
        "row 7, duration_minutes: -5 is not between 1 and 1440 minutes",
    ]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file, : the file is empty"),
        (
            "appointment_id\nA1\n".encode("utf-16"),
            "file, encoding: not UTF-8 (byte 0); save the file as UTF-8",
        ),
        (
            b"appointment_id,start\nA1,2024-07-01\n",
            "file, clinic_code: required column: neither in the file, mapped nor defaulted",
        ),
    ],
)
def test_unreadable_files_are_refused_before_any_row(content, message):
    network()
    assert message in errors_of(content)


# The mapping of DESIGN §4, on a foreign export
FOREIGN = (
    b"ApptID,Site,ApptDate,Outcome,MRN,Created\n"
    b"9001,Lakeside Ortho,01/07/2024 08:00,Attended,X1,2024-06-01T14:00:00Z\n"
    b"9002,Lakeside Ortho,01/07/2024 08:15,DNA,X2,2024-06-02T14:00:00Z\n"
    b"9003,Lakeside Ortho,01/07/2024 08:30,Cancelled,X3,2024-06-03T14:00:00Z\n"
)
MAPPING = {
    "columns": {"appointment_id": "ApptID", "clinic_code": "Site", "start": "ApptDate",
                "status": "Outcome", "patient_id": "MRN", "booked_at": "Created"},
    "values": {"status": {"Attended": "fulfilled", "DNA": "noshow", "Cancelled": "cancelled"},
               "clinic_code": {"Lakeside Ortho": "C01"}},
    "formats": {"start": "%d/%m/%Y %H:%M", "booked_at": "%Y-%m-%dT%H:%M:%SZ"},
    "defaults": {"visit_type_code": "ORTHO-FU", "duration_minutes": 15},
}  # fmt: skip


@pytest.mark.django_db
def test_a_mapping_file_reads_a_foreign_export():
    network()
    summary = import_csv(FOREIGN, mapping=MAPPING)
    assert summary["created"] == 3
    rows = list(
        Appointment.objects.order_by("external_id").values_list(
            "external_id", "status", "duration_minutes", "local_date"
        )
    )
    assert rows == [
        ("9001", "fulfilled", 15, date(2024, 7, 1)),
        ("9002", "noshow", 15, date(2024, 7, 1)),
        ("9003", "cancelled", 15, date(2024, 7, 1)),
    ]


@pytest.mark.django_db
def test_a_status_word_the_mapping_does_not_know_is_named():
    network()
    content = FOREIGN.replace(b"DNA", b"Rescheduled")
    assert errors_of(content, mapping=MAPPING) == [
        "row 3, status: 'Rescheduled' is not in the mapping's values for status"
    ]


@pytest.mark.django_db
def test_mapping_problems_are_named_before_any_row_is_read():
    network()
    bad = {**MAPPING, "columns": {**MAPPING["columns"], "start": "Date"}, "colour": {}}
    assert errors_of(FOREIGN, mapping=bad) == [
        "mapping, colour: unknown key; use columns, values, formats, defaults"
    ]
    bad.pop("colour")
    assert errors_of(FOREIGN, mapping=bad) == [
        "file, start: the mapping names column 'Date', which the file lacks"
    ]


def visits(*rows):
    frame = pd.DataFrame(
        rows, columns=["id", "patient_key", "service_line_id", "start", "kept", "derive"]
    )
    frame["organization_id"] = 1
    return frame


def test_the_three_year_rule():
    # given: P kept an orthopedic visit on 10 Jan 2021 and no-showed on 1 Jun 2023
    frame = visits(
        (1, "P", 1, "2021-01-10T15:00Z", True, False),
        (2, "P", 1, "2023-06-01T15:00Z", False, True),
        (3, "P", 1, "2024-01-10T14:00Z", False, True),
        (4, "P", 1, "2024-01-10T16:00Z", False, True),
        (5, "P", 2, "2022-01-01T15:00Z", False, True),
        (6, "", 1, "2024-01-01T15:00Z", False, True),
    )
    result = compute.derive_new_patients(frame).set_index("id")
    # then: June 2023 is within 3 years of the kept visit → established; 10 Jan 2024 14:00
    # is just under 3 years after it (the window starts 10 Jan 2021 14:00) → established;
    # 16:00 the same day is over 3 years → new; another service line → new; no patient → not new
    assert result["is_new_patient"].to_dict() == {2: False, 3: False, 4: True, 5: True, 6: False}
    # the data starts 10 Jan 2021 15:00: exactly covering 3 years before visit 4, too short for 5
    assert result["history_limited"].to_dict() == {2: False, 3: False, 4: False, 5: True, 6: False}


@pytest.mark.django_db
def test_new_patient_flags_are_derived_on_import_where_the_source_is_silent():
    network()
    import_csv(
        csv(
            "A1,C01,,ORTHO-FU,2024-01-02T09:00,,fulfilled,,P1,,,",
            "A2,C01,,ORTHO-FU,2024-02-02T09:00,,fulfilled,,P1,,,",
            "A3,C01,,ORTHO-FU,2024-02-02T10:00,,fulfilled,yes,P2,,,",
        )
    )
    flags = dict(Appointment.objects.values_list("external_id", "is_new_patient"))
    assert flags == {"A1": True, "A2": False, "A3": True}
    assert set(
        Appointment.objects.filter(history_limited=True).values_list("external_id", flat=True)
    ) == {"A1"}
    # when: an older kept visit of P1 arrives later, A1 is no longer new
    import_csv(csv("A0,C01,,ORTHO-FU,2023-06-01T09:00,,fulfilled,,P1,,,"), source="older")
    assert Appointment.objects.get(external_id="A1").is_new_patient is False


LINES = [
    f"A{i},C01,{'1234567893' if i % 2 else ''},ORTHO-FU,2024-07-{1 + i % 28:02d}T{8 + i % 9:02d}:00,,"
    f"{['booked', 'fulfilled', 'noshow', 'cancelled'][i % 4]},,P{i % 7},,,"
    for i in range(40)
]


def stored():
    return sorted(
        Appointment.objects.values_list(
            "external_id", "start", "status", "is_new_patient", "history_limited", "patient_key"
        )
    )


class ImportProperties(HypothesisTestCase):
    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(LINES), min_size=1, max_size=20, unique=True), st.data())
    def test_two_halves_equal_the_whole_and_reimport_changes_nothing(self, lines, data):
        network()
        cut = data.draw(st.integers(0, len(lines)))
        import_csv(csv(*lines[:cut])) if cut else None
        import_csv(csv(*lines[cut:])) if cut < len(lines) else None
        halves = stored()
        Appointment.objects.all().delete()
        import_csv(csv(*lines))
        whole = stored()
        summary = import_csv(csv(*lines))
        assert halves == whole
        assert summary["unchanged"] == len(lines)
        assert stored() == whole


def test_mapping_json_errors_are_named():
    with pytest.raises(importers.ImportFileError) as caught:
        services.mapping_load("{not json")
    assert caught.value.errors[0].line().startswith("mapping, : not JSON")
    assert json.loads(json.dumps(MAPPING)) == MAPPING


def fhir_appointment(ident, status, start, minutes=15):
    begin = datetime.fromisoformat(start)
    end = begin + pd.Timedelta(minutes=minutes)
    return {
        "fullUrl": f"urn:uuid:appt-{ident}",
        "resource": {
            "resourceType": "Appointment", "id": ident, "status": status,
            "appointmentType": {"coding": [{"code": "ORTHO-FU"}]},
            "start": begin.isoformat(), "end": end.isoformat(),
            "participant": [
                {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
                {"actor": {"reference": "Practitioner/dr"}, "status": "accepted"},
                {"actor": {"reference": "Location/site"}, "status": "accepted"},
            ],
        },
    }  # fmt: skip


# Written from the R4 specification: a collection of a Location, a Practitioner and Appointments.
BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"fullUrl": "urn:uuid:site", "resource": {
            "resourceType": "Location", "id": "site", "name": "Lakeside",
            "identifier": [{"system": "https://example.org/clinics", "value": "C01"}]}},
        {"fullUrl": "urn:uuid:dr", "resource": {
            "resourceType": "Practitioner", "id": "dr",
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]}},
        fhir_appointment("a1", "fulfilled", "2024-07-01T08:00:00-05:00"),
        fhir_appointment("a2", "noshow", "2024-07-01T08:15:00-05:00"),
        fhir_appointment("a3", "checked-in", "2024-07-01T08:30:00-05:00"),
        fhir_appointment("a4", "proposed", "2024-07-01T08:45:00-05:00"),
    ],
}  # fmt: skip


@pytest.mark.django_db
def test_a_fhir_bundle_imports_and_yields_hand_computed_utilization():
    # given: one Monday of follow-ups 08:00–12:00 (240 minutes) at C01
    network()
    factories.AssignmentFactory(
        clinic=factories.ClinicFactory(code="C01"), provider=factories.ProviderFactory(npi="1234567893"),
        weekdays=[0], ends_on=date(2024, 7, 1),
    )  # fmt: skip
    # when
    summary = services.appointments_import(
        content=json.dumps(BUNDLE).encode(), source="fhir", file_format="fhir"
    )
    services.rollups_recompute(
        first=date(2024, 7, 1), last=date(2024, 7, 31), today=date(2024, 8, 1)
    )
    # then: three appointments (the proposed one is tentative demand, not imported)
    assert summary["created"] == 3
    statuses = dict(Appointment.objects.values_list("external_id", "status"))
    assert statuses == {"a1": "fulfilled", "a2": "noshow", "a3": "arrived"}
    from capacity import selectors

    [july] = selectors.utilization_table(
        first=date(2024, 7, 1), last=date(2024, 7, 31), clinic="C01"
    ).to_dict("records")
    # held 3 × 15 = 45 of 240; kept a1 + a3 = 30; no-show 1 of (2 kept + 1)
    assert (july["available_minutes"], july["booked_minutes"], july["kept_minutes"]) == (
        240,
        45,
        30,
    )
    assert july["utilization"] == pytest.approx(45 / 240)
    assert july["noshow_rate"] == pytest.approx(1 / 3)


@pytest.mark.django_db
def test_a_fhir_resource_that_fails_validation_imports_nothing():
    network()
    bundle = json.loads(json.dumps(BUNDLE))
    bundle["entry"][2]["resource"]["start"] = "not-a-date"
    with pytest.raises(importers.ImportFileError) as caught:
        services.appointments_import(
            content=json.dumps(bundle).encode(), source="fhir", file_format="fhir"
        )
    [error] = caught.value.errors
    assert (error.row, error.field) == ("entry[2] Appointment/a1", "start")
    assert not Appointment.objects.exists()
