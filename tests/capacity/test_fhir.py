"""FHIR R4 Bundle → canonical rows: statuses, references, validation errors (DESIGN §4)."""

import pytest

from capacity import fhir
from capacity.fhir import RowError

NPI = "http://hl7.org/fhir/sid/us-npi"


def bundle(*resources: dict, kind: str = "collection") -> dict:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"resource": resource} for resource in resources],
    }


def location(id_: str = "loc1", code: str = "C01") -> dict:
    return {
        "resourceType": "Location",
        "id": id_,
        "identifier": [{"system": "http://example.org/clinic-codes", "value": code}],
        "name": "Lakeside Ortho",
    }


def practitioner(id_: str = "pr1", npi: str = "1234567893") -> dict:
    return {
        "resourceType": "Practitioner",
        "id": id_,
        "identifier": [
            {"system": "http://example.org/staff", "value": "S-7"},
            {"system": NPI, "value": npi},
        ],
        "name": [{"family": "Careful", "given": ["Adam"]}],
    }


def schedule(id_: str = "sch1", actors: tuple[str, ...] = ("Location/loc1", "Practitioner/pr1")):
    return {
        "resourceType": "Schedule",
        "id": id_,
        "actor": [{"reference": actor} for actor in actors],
    }


def slot(id_: str, status: str, start: str, end: str, schedule_ref: str = "Schedule/sch1") -> dict:
    return {
        "resourceType": "Slot",
        "id": id_,
        "schedule": {"reference": schedule_ref},
        "status": status,
        "start": start,
        "end": end,
        "appointmentType": {
            "coding": [{"system": "http://example.org/visit-types", "code": "ORTHO-FU"}]
        },
    }


def appointment(id_: str, status: str, **elements) -> dict:
    return {
        "resourceType": "Appointment",
        "id": id_,
        "status": status,
        "appointmentType": {
            "coding": [{"system": "http://example.org/visit-types", "code": "ORTHO-FU"}]
        },
        "start": "2024-07-01T09:00:00-05:00",
        "end": "2024-07-01T09:15:00-05:00",
        "created": "2024-06-20T10:00:00Z",
        "participant": [
            {"actor": {"reference": "Patient/MRN-1"}, "status": "accepted"},
            {"actor": {"reference": "Practitioner/pr1"}, "status": "accepted"},
            {"actor": {"reference": "Location/loc1"}, "status": "accepted"},
        ],
        **elements,
    }


def row(appointment_id: str, status: str, **values: str) -> dict[str, str]:
    return {
        "appointment_id": appointment_id,
        "clinic_code": "C01",
        "provider_npi": "1234567893",
        "visit_type_code": "ORTHO-FU",
        "start": "2024-07-01T09:00:00-05:00",
        "duration_minutes": "15",
        "status": status,
        "is_new_patient": "",
        "patient_id": "MRN-1",
        "booked_at": "2024-06-20T10:00:00+00:00",
        "cancelled_at": "",
        "referral_source": "",
        **values,
    }


def network(*extra: dict) -> dict:
    """One clinic, one provider, their schedule, four slots and seven appointments."""
    return bundle(
        location(),
        practitioner(),
        schedule(),
        slot("s-free", "free", "2024-07-01T08:00:00-05:00", "2024-07-01T08:15:00-05:00"),
        slot("s-busy", "busy", "2024-07-01T08:15:00-05:00", "2024-07-01T08:30:00-05:00"),
        slot("s-off", "busy-unavailable", "2024-07-01T12:00:00-05:00", "2024-07-01T13:00:00-05:00"),
        slot("s-gone", "entered-in-error", "2024-07-01T14:00:00Z", "2024-07-01T14:15:00Z"),
        appointment("a-booked", "booked"),
        appointment("a-fulfilled", "fulfilled"),
        appointment("a-checked-in", "checked-in"),
        appointment("a-noshow", "noshow"),
        appointment("a-cancelled", "cancelled"),
        appointment("a-proposed", "proposed"),
        appointment("a-error", "entered-in-error"),
        *extra,
    )


def test_appointments_become_canonical_rows_with_statuses_mapped():
    # given: a clinic, a provider with an NPI and seven appointments, one per status
    document = network()
    # when
    result = fhir.bundle_rows(document)
    # then: checked-in → arrived; proposed is counted apart; entered-in-error disappears
    assert result.errors == []
    assert result.appointments == [
        row("a-booked", "booked"),
        row("a-fulfilled", "fulfilled"),
        row("a-checked-in", "arrived"),
        row("a-noshow", "noshow"),
        row("a-cancelled", "cancelled"),
    ]
    assert result.tentative == 1
    assert result.labels == [
        "entry[7] Appointment/a-booked",
        "entry[8] Appointment/a-fulfilled",
        "entry[9] Appointment/a-checked-in",
        "entry[10] Appointment/a-noshow",
        "entry[11] Appointment/a-cancelled",
    ]


def test_slots_take_clinic_and_provider_from_their_schedule():
    # given: free, busy, busy-unavailable and entered-in-error slots on one schedule
    document = network()
    # when
    result = fhir.bundle_rows(document)
    # then: free and busy are available supply, busy-unavailable is blocked, the last is ignored;
    # busy ones are taken on the site's calendar
    common = {"clinic_code": "C01", "provider_npi": "1234567893", "visit_type_code": "ORTHO-FU"}
    assert result.slots == [
        {
            "slot_id": "s-free",
            "start": "2024-07-01T08:00:00-05:00",
            "end": "2024-07-01T08:15:00-05:00",
            "status": "available",
            "busy": "false",
            **common,
        },
        {
            "slot_id": "s-busy",
            "start": "2024-07-01T08:15:00-05:00",
            "end": "2024-07-01T08:30:00-05:00",
            "status": "available",
            "busy": "true",
            **common,
        },
        {
            "slot_id": "s-off",
            "start": "2024-07-01T12:00:00-05:00",
            "end": "2024-07-01T13:00:00-05:00",
            "status": "blocked",
            "busy": "true",
            **common,
        },
    ]


def test_every_row_has_every_canonical_column_as_a_string():
    # given
    document = network()
    # when
    result = fhir.bundle_rows(document)
    # then
    for canonical in result.appointments:
        assert tuple(canonical) == fhir.APPOINTMENT_COLUMNS
        assert all(isinstance(value, str) for value in canonical.values())
    for supply in result.slots:
        assert tuple(supply) == fhir.SLOT_COLUMNS


def test_unknown_status_is_a_status_error_and_no_row():
    # given: "maybe" is no Appointment status (the R4B model itself does not check codes)
    document = bundle(location(), practitioner(), appointment("a1", "maybe"))
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.appointments == []
    assert result.errors == [
        RowError(
            "entry[2] Appointment/a1",
            "status",
            "'maybe' is not one of booked, arrived, checked-in, fulfilled, noshow, cancelled, "
            "proposed, pending, waitlist, entered-in-error",
        )
    ]


def test_start_that_is_not_an_instant_fails_validation():
    # given
    document = bundle(location(), practitioner(), appointment("a1", "booked", start="not-a-date"))
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.appointments == []
    assert result.errors == [
        RowError(
            "entry[2] Appointment/a1",
            "start",
            "'not-a-date' is not a valid FHIR instant; expected a date, time and offset such as "
            "2024-07-01T09:00:00-05:00",
        )
    ]


def test_validation_names_the_first_failing_element_and_lists_the_rest():
    # given: a slot without its end, and a participant whose actor has an unknown element
    bad_slot = slot("s1", "free", "2024-07-01T08:00:00Z", "2024-07-01T08:15:00Z")
    del bad_slot["end"]
    bad_appointment = appointment("a1", "booked", minutesDuration=0)
    bad_appointment["participant"][1]["actor"]["npi"] = "1234567893"
    document = bundle(location(), practitioner(), schedule(), bad_slot, bad_appointment)
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == [
        RowError("entry[3] Slot/s1", "end", "required"),
        RowError(
            "entry[4] Appointment/a1",
            "minutesDuration",
            "Input should be greater than or equal to 1, got 0 "
            "(also participant[1].actor.npi: not an element of FHIR R4 here)",
        ),
    ]


def test_a_number_for_a_time_is_an_error_not_a_1970_appointment():
    # given: the R4B model would read 1719842400 as Unix seconds
    document = bundle(location(), practitioner(), appointment("a1", "booked", start=1719842400))
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == [
        RowError(
            "entry[2] Appointment/a1",
            "start",
            "expected a string such as 2024-07-01T09:00:00-05:00, got 1719842400",
        )
    ]


def test_references_missing_from_the_bundle_are_errors_and_the_scan_goes_on():
    # given: no Practitioner pr1 and no Schedule sch9; one good appointment after them
    orphan_slot = slot(
        "s1", "free", "2024-07-01T08:00:00Z", "2024-07-01T08:15:00Z", schedule_ref="Schedule/sch9"
    )
    document = bundle(
        location(),
        orphan_slot,
        appointment("a1", "booked"),
        appointment(
            "a2",
            "booked",
            participant=[{"actor": {"reference": "Location/loc1"}, "status": "accepted"}],
        ),
    )
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == [
        RowError("entry[1] Slot/s1", "schedule", "Schedule/sch9 is not in the bundle"),
        RowError(
            "entry[2] Appointment/a1",
            "participant",
            "participant[1]: Practitioner/pr1 is not in the bundle",
        ),
    ]
    assert result.slots == []
    assert result.appointments == [row("a2", "booked", provider_npi="", patient_id="")]
    assert result.labels == ["entry[3] Appointment/a2"]


def test_a_reference_to_an_invalid_resource_says_so():
    # given: the Location's identifier is an object, not a list
    broken = location()
    broken["identifier"] = {"value": "C01"}
    document = bundle(broken, practitioner(), appointment("a1", "booked"))
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == [
        RowError(
            "entry[0] Location/loc1",
            "identifier",
            "Input should be a valid list, got {'value': 'C01'}",
        ),
        RowError(
            "entry[2] Appointment/a1",
            "participant",
            "participant[2]: Location/loc1 failed validation (entry[0] Location/loc1)",
        ),
    ]


def test_schedule_actor_missing_is_reported_once_on_the_schedule():
    # given: two slots on a schedule whose Location is not in the bundle
    document = bundle(
        practitioner(),
        schedule(),
        slot("s1", "free", "2024-07-01T08:00:00Z", "2024-07-01T08:15:00Z"),
        slot("s2", "free", "2024-07-01T08:15:00Z", "2024-07-01T08:30:00Z"),
    )
    # when
    result = fhir.bundle_rows(document)
    # then: the slots give no rows, and the schedule's error says why
    assert result.slots == []
    assert result.errors == [
        RowError("entry[1] Schedule/sch1", "actor", "actor[0]: Location/loc1 is not in the bundle")
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], RowError("bundle", "resourceType", "expected a JSON object: a FHIR Bundle")),
        (
            appointment("a1", "booked"),
            RowError("bundle", "resourceType", "expected 'Bundle', got 'Appointment'"),
        ),
        (
            {"resourceType": "Bundle", "type": "searchset", "entry": []},
            RowError(
                "bundle", "type", "expected one of collection, batch, transaction, got 'searchset'"
            ),
        ),
    ],
)
def test_a_document_that_is_not_an_importable_bundle_is_one_error(document, expected):
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == [expected]
    assert (result.appointments, result.slots, result.tentative) == ([], [], 0)


def test_urn_references_practitioner_role_and_clinic_from_the_booked_slot():
    # given: a transaction bundle with urn:uuid references; the schedule's actor is a
    # PractitionerRole; the appointment names no Location, only its slot
    role = {
        "resourceType": "PractitionerRole",
        "practitioner": {"reference": "urn:uuid:0a0f6d4e-0000-4000-8000-000000000002"},
        "location": [{"reference": "urn:uuid:0a0f6d4e-0000-4000-8000-000000000001"}],
    }
    resources = [
        ("urn:uuid:0a0f6d4e-0000-4000-8000-000000000001", location(code="C07")),
        ("urn:uuid:0a0f6d4e-0000-4000-8000-000000000002", practitioner(npi="1245319599")),
        ("urn:uuid:0a0f6d4e-0000-4000-8000-000000000003", role),
        (
            "urn:uuid:0a0f6d4e-0000-4000-8000-000000000004",
            schedule(actors=("urn:uuid:0a0f6d4e-0000-4000-8000-000000000003",)),
        ),
        (
            "urn:uuid:0a0f6d4e-0000-4000-8000-000000000005",
            slot(
                "s1",
                "busy",
                "2024-07-01T09:00:00Z",
                "2024-07-01T09:30:00Z",
                schedule_ref="urn:uuid:0a0f6d4e-0000-4000-8000-000000000004",
            ),
        ),
        (
            "urn:uuid:0a0f6d4e-0000-4000-8000-000000000006",
            {
                "resourceType": "Appointment",
                "identifier": [{"system": "http://example.org/appts", "value": "PM-88"}],
                "status": "arrived",
                "serviceType": [{"coding": [{"code": "ORTHO-NP"}]}],
                "start": "2024-07-01T09:00:00Z",
                "minutesDuration": 30,
                "created": "2024-05",
                "slot": [{"reference": "urn:uuid:0a0f6d4e-0000-4000-8000-000000000005"}],
                "participant": [
                    {
                        "actor": {
                            "type": "Patient",
                            "identifier": {"system": "urn:mrn", "value": "MRN-9"},
                        },
                        "status": "accepted",
                    }
                ],
            },
        ),
    ]
    document = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": url, "resource": resource, "request": {"method": "POST", "url": "x"}}
            for url, resource in resources
        ],
    }
    # when
    result = fhir.bundle_rows(document)
    # then: a partial `created` ("2024-05") gives no booked_at
    assert result.errors == []
    assert [(s["clinic_code"], s["provider_npi"]) for s in result.slots] == [("C07", "1245319599")]
    assert result.appointments == [
        {
            "appointment_id": "PM-88",
            "clinic_code": "C07",
            "provider_npi": "1245319599",
            "visit_type_code": "ORTHO-NP",
            "start": "2024-07-01T09:00:00+00:00",
            "duration_minutes": "30",
            "status": "arrived",
            "is_new_patient": "",
            "patient_id": "MRN-9",
            "booked_at": "",
            "cancelled_at": "",
            "referral_source": "",
        }
    ]
    assert result.labels == ["entry[5] Appointment"]


def test_other_resources_are_skipped_and_a_bad_contained_one_is_an_error():
    # given: an Organization (not read) and an appointment containing an unknown resource type,
    # on which fhir.resources raises KeyError rather than a ValidationError
    weird = appointment("a2", "booked", contained=[{"resourceType": "Nope", "id": "n"}])
    document = bundle(
        {"resourceType": "Organization", "id": "o1", "name": "Acme"},
        location(),
        practitioner(),
        appointment("a1", "booked"),
        weird,
    )
    # when
    result = fhir.bundle_rows(document)
    # then
    assert [r["appointment_id"] for r in result.appointments] == ["a1"]
    assert result.errors == [
        RowError(
            "entry[4] Appointment/a2",
            "contained",
            "a contained resource has an unknown resourceType 'Nope'",
        )
    ]


def test_end_before_start_and_a_duplicate_id_are_errors():
    # given
    backwards = appointment("a1", "booked", end="2024-07-01T08:45:00-05:00")
    document = bundle(location(), practitioner(), backwards, appointment("a1", "fulfilled"))
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.appointments == []
    assert result.errors == [
        RowError("entry[2] Appointment/a1", "end", "the appointment ends before it starts"),
        RowError("entry[3] Appointment/a1", "id", "Appointment/a1 is also entry[2] Appointment/a1"),
    ]


def test_the_official_example_appointment_shape_validates():
    # given: Appointment-example.json of the R4 specification (trimmed), with the Location it
    # names; Practitioner/example there has no NPI, so the appointment is clinic-level
    example = {
        "resourceType": "Appointment",
        "id": "example",
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">Brian MRI results discussion</div>',
        },
        "status": "booked",
        "serviceCategory": [
            {
                "coding": [
                    {
                        "system": "http://example.org/service-category",
                        "code": "gp",
                        "display": "General Practice",
                    }
                ]
            }
        ],
        "serviceType": [{"coding": [{"code": "52", "display": "General Discussion"}]}],
        "specialty": [{"coding": [{"system": "http://snomed.info/sct", "code": "394814009"}]}],
        "appointmentType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                    "code": "FOLLOWUP",
                    "display": "A follow up visit from a previous appointment",
                }
            ]
        },
        "reasonReference": [{"reference": "Condition/example", "display": "Severe burn"}],
        "priority": 5,
        "description": "Discussion on the results of your recent MRI",
        "start": "2013-12-10T09:00:00Z",
        "end": "2013-12-10T11:00:00Z",
        "created": "2013-10-10",
        "basedOn": [{"reference": "ServiceRequest/myringotomy"}],
        "participant": [
            {
                "actor": {"reference": "Patient/example", "display": "Peter James Chalmers"},
                "required": "required",
                "status": "accepted",
            },
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "ATND",
                            }
                        ]
                    }
                ],
                "actor": {"reference": "Practitioner/example", "display": "Dr Adam Careful"},
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": {"reference": "Location/1", "display": "South Wing, second floor"},
                "required": "required",
                "status": "accepted",
            },
        ],
    }
    example_practitioner = {
        "resourceType": "Practitioner",
        "id": "example",
        "identifier": [{"system": "http://www.acme.org/practitioners", "value": "23"}],
        "active": True,
        "name": [{"family": "Careful", "given": ["Adam"], "prefix": ["Dr"]}],
    }
    example_location = {
        "resourceType": "Location",
        "id": "1",
        "identifier": [{"value": "B1-S.F2"}],
        "status": "active",
        "name": "South Wing, second floor",
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "wi",
                }
            ]
        },
    }
    document = bundle(example, example_practitioner, example_location)
    # when
    result = fhir.bundle_rows(document)
    # then: 09:00 to 11:00 is 120 minutes; the start keeps its UTC offset
    assert result.errors == []
    assert result.appointments == [
        {
            "appointment_id": "example",
            "clinic_code": "B1-S.F2",
            "provider_npi": "",
            "visit_type_code": "FOLLOWUP",
            "start": "2013-12-10T09:00:00+00:00",
            "duration_minutes": "120",
            "status": "booked",
            "is_new_patient": "",
            "patient_id": "example",
            "booked_at": "2013-10-10",
            "cancelled_at": "",
            "referral_source": "",
        }
    ]


def test_a_location_actor_outranks_the_location_of_a_practitioner_role():
    # given: the schedule lists the role (at clinic C09) before the Location C01
    role = {
        "resourceType": "PractitionerRole",
        "id": "r1",
        "practitioner": {"reference": "Practitioner/pr1"},
        "location": [{"reference": "Location/loc9"}],
    }
    document = bundle(
        location(),
        location("loc9", code="C09"),
        practitioner(),
        role,
        schedule(actors=("PractitionerRole/r1", "Location/loc1")),
        slot("s1", "free", "2024-07-01T08:00:00Z", "2024-07-01T08:15:00Z"),
    )
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == []
    assert [(s["clinic_code"], s["provider_npi"]) for s in result.slots] == [("C01", "1234567893")]


def test_a_declined_practitioner_is_passed_over_for_one_named_by_npi_alone():
    # given: pr1 declined; the other practitioner is a reference by NPI identifier only
    document = bundle(
        location(),
        practitioner(),
        appointment(
            "a1",
            "booked",
            participant=[
                {"actor": {"reference": "Practitioner/pr1"}, "status": "declined"},
                {
                    "actor": {"identifier": {"system": NPI, "value": "1245319599"}},
                    "status": "accepted",
                },
                {"actor": {"reference": "Location/loc1"}, "status": "accepted"},
            ],
        ),
    )
    # when
    result = fhir.bundle_rows(document)
    # then
    assert result.errors == []
    assert result.appointments == [row("a1", "booked", provider_npi="1245319599", patient_id="")]
