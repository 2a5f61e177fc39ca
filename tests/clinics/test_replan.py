"""Supply changes queue one recompute job naming only the clinics whose supply they change."""

import copy
from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinics import services
from clinics.models import (
    Change,
    Clinic,
    Closure,
    Organization,
    Region,
    ScheduleTemplate,
    ServiceLine,
    VisitType,
)
from tests import factories
from tests.clinics.test_network import DESIGN_EXAMPLE

pytestmark = pytest.mark.django_db


def queued() -> list[tuple[str, list[str]]]:
    """Reason and clinic codes ("all" for every clinic) of every change recorded so far for
    the pipeline, oldest first."""
    codes = dict(Clinic.objects.values_list("pk", "code"))
    out: list[tuple[str, list[str]]] = []
    last_id = None
    for change in Change.objects.order_by("pk"):
        code = "all" if change.clinic_id is None else codes.get(change.clinic_id, "gone")
        # One call records its clinics in ascending order, under one reason.
        same_call = out and out[-1][0] == change.reason and (change.clinic_id or 0) > last_id
        if same_call:
            out[-1][1].append(code)
        else:
            out.append((change.reason, [code]))
        last_id = change.clinic_id or 0
    return out


@pytest.fixture
def network():
    """C01, C02, C03 offer orthopedics, C04 only spine. Dr. Able works ORTHO-STD (follow-ups,
    Monday to Wednesday mornings) at C01 on Mondays and C02 on Tuesdays; Dr. Baker works ORTHO-PM
    (new patients, Monday afternoons) at C03. C04 has no one."""
    ortho = factories.ServiceLineFactory(code="ORTHO")
    spine = factories.ServiceLineFactory(code="SPINE", name="Spine")
    fu = factories.VisitTypeFactory(code="ORTHO-FU", minutes=15, service_line=ortho)
    np_ = factories.VisitTypeFactory(
        code="ORTHO-NP", minutes=30, is_new_patient=True, service_line=ortho
    )
    std = factories.TemplateFactory(
        code="ORTHO-STD", blocks=[(d, "08:00", "12:00", fu) for d in (0, 1, 2)]
    )
    pm = factories.TemplateFactory(code="ORTHO-PM", blocks=[(0, "13:00", "17:00", np_)])
    c01, c02, c03 = (factories.ClinicFactory(code=f"C0{n}") for n in (1, 2, 3))
    c04 = factories.ClinicFactory(code="C04", service_lines=[spine])
    able = factories.ProviderFactory(name="Dr. Able", service_line=ortho)
    baker = factories.ProviderFactory(name="Dr. Baker", service_line=ortho)
    factories.AssignmentFactory(provider=able, clinic=c01, template=std, weekdays=[0])
    factories.AssignmentFactory(provider=able, clinic=c02, template=std, weekdays=[1])
    moving = factories.AssignmentFactory(provider=baker, clinic=c03, template=pm, weekdays=[0])
    assert not Change.objects.exists()  # factories write past the services
    return {
        "ortho": ortho, "fu": fu, "np": np_, "std": std, "pm": pm, "c01": c01, "c02": c02,
        "c03": c03, "c04": c04, "able": able, "baker": baker, "moving": moving,
    }  # fmt: skip


def std_blocks(fu: VisitType, monday_ends: time = time(12)) -> list[dict]:
    return [
        {"weekday": d, "start": time(8), "end": monday_ends if d == 0 else time(12),
         "visit_type": fu}
        for d in (0, 1, 2)
    ]  # fmt: skip


def test_a_template_change_queues_one_job_for_the_clinics_working_it(
    network, django_capture_on_commit_callbacks
):
    # given: ORTHO-STD is worked at C01 and C02
    # when: its Monday block ends at 11:00 instead of 12:00
    with django_capture_on_commit_callbacks() as callbacks:
        services.template_save(
            template=network["std"], data={}, blocks=std_blocks(network["fu"], time(11))
        )
    # then: one job, one task on commit, for those two clinics only
    assert queued() == [("template ORTHO-STD changed", ["C01", "C02"])]
    assert len(callbacks) == 1


def test_a_template_rename_or_unchanged_blocks_queue_nothing(network):
    # when: the name changes and the same blocks are sent again
    services.template_save(
        template=network["std"],
        data={"name": "Orthopedics standard morning"},
        blocks=std_blocks(network["fu"]),
    )
    # then: no slot changed
    assert queued() == []


def test_a_new_template_nobody_works_queues_nothing(network):
    services.template_save(
        template=ScheduleTemplate(),
        data={"code": "ORTHO-NEW", "name": "New"},
        blocks=[{"weekday": 1, "start": time(8), "end": time(9), "visit_type": network["fu"]}],
    )
    assert queued() == []


def test_an_assignment_names_its_clinic_and_a_move_names_both(network):
    # when: Dr. Able gets Wednesdays at C03, then Dr. Baker moves from C03 to C02
    services.record_save(
        instance=factories.AssignmentFactory.build(
            provider=network["able"], clinic=network["c03"], template=network["std"]
        ),
        data={"weekdays": [2], "starts_on": date(2026, 1, 1)},
    )
    services.record_save(instance=network["moving"], data={"clinic": network["c02"]})
    # then
    assert queued() == [
        ("assignment of Dr. Able at C03 created", ["C03"]),
        ("assignment of Dr. Baker at C02 changed", ["C02", "C03"]),
    ]


def test_an_assignment_deleted_names_its_clinic(network):
    services.record_delete(instance=network["moving"])
    assert queued() == [("assignment of Dr. Baker at C03 deleted", ["C03"])]


def test_an_absence_names_every_clinic_the_provider_works_at(network):
    services.record_save(
        instance=factories.AbsenceFactory.build(provider=network["able"]),
        data={"starts_on": date(2026, 12, 21), "ends_on": date(2026, 12, 24)},
    )
    assert queued() == [("absence of Dr. Able 2026-12-21 to 2026-12-24 created", ["C01", "C02"])]


def test_a_provider_leaving_names_their_clinics_and_a_rename_nothing(network):
    # when: Dr. Able is renamed, then leaves
    services.record_save(instance=network["able"], data={"name": "Dr. Able-Smith"})
    services.record_save(instance=network["able"], data={"left_on": date(2026, 12, 31)})
    # then: only the departure changes supply
    assert queued() == [("provider Dr. Able-Smith changed", ["C01", "C02"])]


def test_a_closure_names_its_clinic_created_and_deleted(network):
    # when
    closure = services.record_save(
        instance=Closure(), data={"clinic": network["c01"], "date": date(2026, 12, 25)}
    )
    services.record_delete(instance=closure)
    # then
    assert queued() == [
        ("closure at C01 on 2026-12-25 created", ["C01"]),
        ("closure at C01 on 2026-12-25 deleted", ["C01"]),
    ]


def test_a_clinic_names_itself_for_rooms_hours_and_utilization_not_for_its_name(network):
    c02 = network["c02"]
    weekdays = {d: (time(8), time(17)) for d in range(5)}
    # when: a rename with the same hours, then rooms, then Monday hours, then utilization
    services.clinic_save(clinic=c02, data={"name": "Harbor Point"}, hours=weekdays)
    services.clinic_save(clinic=c02, data={"exam_rooms": 9})
    services.clinic_save(clinic=c02, data={}, hours={**weekdays, 0: (time(8), time(18))})
    services.record_save(instance=c02, data={"target_utilization": Decimal("0.85")})
    # then
    assert queued() == [("clinic C02 changed", ["C02"])] * 3


def test_a_new_clinic_names_itself_and_a_deleted_one_queues_nothing(network):
    # when: a clinic opens, and the spine clinic nobody works at is removed
    clinic = services.clinic_save(
        clinic=Clinic(),
        data={
            "region": network["c01"].region, "code": "C05", "name": "Cedar Park",
            "timezone": "America/Chicago", "exam_rooms": 4,
        },
        hours={0: (time(8), time(17))},
    )  # fmt: skip
    services.record_delete(instance=network["c04"])
    # then: a job for C05; none for C04, and certainly not one for every clinic
    assert clinic.code == "C05"
    assert queued() == [("clinic C05 created", ["C05"])]


def test_a_visit_type_names_the_clinics_whose_templates_use_it(network):
    # when: new-patient visits shrink to 20 minutes (ORTHO-PM, worked at C03)
    services.record_save(instance=network["np"], data={"minutes": 20})
    # then
    # its appointments may be at any clinic (durations, late cancels): every clinic
    assert queued() == [("visit type ORTHO-NP changed", ["all"])]


def test_a_follow_up_profile_names_the_clinics_offering_the_service_line(network):
    # when
    services.record_save(instance=network["ortho"], data={"followup_profile": [0.5, 1.0, 0.5]})
    services.record_save(instance=network["ortho"], data={"name": "Orthopaedics"})
    # then: C04 offers only spine; the rename changes nothing
    assert queued() == [("service line ORTHO changed", ["C01", "C02", "C03"])]


def test_organizations_and_regions_queue_nothing(network):
    # when: the organization and the region are renamed, a region added, a service line too
    region = network["c01"].region
    services.record_save(instance=region.organization, data={"name": "Acme Health"})
    services.record_save(instance=region, data={"name": "Lakeshore"})
    services.record_save(
        instance=Region(), data={"organization": region.organization, "code": "SOUTH",
                                 "name": "South"},
    )  # fmt: skip
    services.record_save(instance=ServiceLine(), data={"code": "PT", "name": "Physical therapy"})
    # then
    assert Organization.objects.filter(name="Acme Health").exists()
    assert queued() == []


def test_a_failed_write_queues_nothing(network):
    # given: a visit type whose new length does not cut ORTHO-PM's block into whole slots
    with pytest.raises(ValidationError, match="whole number"):
        services.record_save(instance=network["np"], data={"minutes": 35})
    # then
    assert VisitType.objects.get(code="ORTHO-NP").minutes == 30
    assert queued() == []


# ---------------------------------------------------------------------------------------------
# The network file


def two_clinics() -> dict:
    """The DESIGN §4 example plus C02, which nobody works at yet."""
    doc = copy.deepcopy(DESIGN_EXAMPLE)
    clinics = doc["organizations"][0]["regions"][0]["clinics"]
    clinics.append({**copy.deepcopy(clinics[0]), "code": "C02", "name": "Riverside"})
    return doc


def test_a_network_file_names_the_clinics_it_created_or_changed():
    # given: the file applied once (both clinics are new)
    services.network_import(document=two_clinics(), reason="network file north.json")
    first = queued()
    # when: the same file again, then one with C01's Tuesday shortened, then Dr. Rivera moved
    services.network_import(document=two_clinics())
    shorter = two_clinics()
    shorter["organizations"][0]["regions"][0]["clinics"][0]["hours"]["tue"] = ["08:00", "12:00"]
    services.network_import(document=shorter)
    moved = copy.deepcopy(shorter)
    moved["providers"][0]["assignments"][0]["clinic"] = "C02"
    services.network_import(document=moved)
    # then: the unchanged file queues nothing; each change names only its clinics
    assert first == [("network file north.json", ["C01", "C02"])]
    assert queued()[1:] == [("network file", ["C01"]), ("network file", ["C01", "C02"])]


def test_a_network_file_changing_a_template_names_the_clinics_working_it():
    services.network_import(document=two_clinics())
    doc = two_clinics()
    doc["templates"][0]["blocks"][0]["end"] = "11:00"
    doc["providers"][0]["absences"] = []  # and an absence removed: the same clinic
    # when
    services.network_import(document=doc, reason="network file v2.json")
    # then: C02 has nobody on ORTHO-STD
    assert queued()[1:] == [("network file v2.json", ["C01"])]


def test_a_network_dry_run_queues_nothing():
    summary = services.network_import(document=two_clinics(), dry_run=True)
    assert summary["clinics"] == {"created": 2}
    assert queued() == []


# ---------------------------------------------------------------------------------------------
# The admin goes through the same services


def test_admin_edits_and_deletes_queue_a_job(client, admin_user_role, network):
    client.force_login(admin_user_role)
    # when: a closure is added in the admin, then two closures are deleted in one action
    response = client.post(
        "/admin/clinics/closure/add/",
        {"clinic": network["c03"].pk, "date": "2026-12-25", "reason": "Christmas"},
    )
    assert response.status_code == 302
    other = factories.ClosureFactory(clinic=network["c01"], date=date(2026, 12, 26))
    response = client.post(
        "/admin/clinics/closure/",
        {
            "action": "delete_selected", "post": "yes",
            "_selected_action": [str(pk) for pk in Closure.objects.values_list("pk", flat=True)],
        },
    )  # fmt: skip
    assert response.status_code == 302
    # then
    assert not Closure.objects.filter(pk=other.pk).exists()
    assert queued() == [
        ("closure at C03 on 2026-12-25 created", ["C03"]),
        ("2 closures deleted", ["C01", "C03"]),
    ]


def test_admin_template_blocks_name_the_clinics_and_a_region_rename_nothing(
    client, admin_user_role, network
):
    client.force_login(admin_user_role)
    std, region = network["std"], network["c01"].region
    blocks = list(std.blocks.order_by("weekday"))
    data = {
        "code": "ORTHO-STD", "name": std.name, "blocks-TOTAL_FORMS": "3",
        "blocks-INITIAL_FORMS": "3", "blocks-MIN_NUM_FORMS": "0", "blocks-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n, block in enumerate(blocks):
        data |= {
            f"blocks-{n}-id": str(block.pk), f"blocks-{n}-template": str(std.pk),
            f"blocks-{n}-weekday": str(block.weekday), f"blocks-{n}-start": "08:00",
            f"blocks-{n}-end": "11:00" if block.weekday == 0 else "12:00",
            f"blocks-{n}-visit_type": str(network["fu"].pk),
        }  # fmt: skip
    # when: ORTHO-STD's Monday block ends at 11:00 in the admin; the region is renamed there
    response = client.post(f"/admin/clinics/scheduletemplate/{std.pk}/change/", data)
    assert response.status_code == 302
    response = client.post(
        f"/admin/clinics/region/{region.pk}/change/",
        {"organization": region.organization_id, "code": region.code, "name": "Lakeshore"},
    )
    assert response.status_code == 302
    # then
    assert queued() == [("template ORTHO-STD changed", ["C01", "C02"])]
