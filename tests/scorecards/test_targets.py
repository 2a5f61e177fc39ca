"""Targets: thresholds in order for each direction, §3's default amber, where they apply from,
their pages (administrators write, everyone else reads)."""

from datetime import date

import pytest

from scorecards import compute, selectors, services
from scorecards.models import KPI, Target
from tests.scorecards.test_import import network  # noqa: F401

FROM = date(2026, 1, 1)


def kpi(code: str) -> KPI:
    return KPI.objects.get(code=code)


def save(code: str, scope: str = "region:NORTH", **kw) -> Target:
    scope_type, _, scope_code = scope.partition(":")
    arguments = {
        "period_from": FROM, "period_to": None, "period_kind": "", "green_min": None,
        "green_max": None, "amber_min": None, "amber_max": None, "source": "board",
        "note": "", "user": None, **kw,
    }  # fmt: skip
    return services.target_save(
        kpi=kpi(code), scope_type=scope_type, scope_code=scope_code, **arguments
    )


def refused(code: str, **kw) -> dict[str, list[str]]:
    before = Target.objects.count()
    with pytest.raises(services.ValidationError) as caught:
        save(code, **kw)
    assert Target.objects.count() == before
    return caught.value.message_dict


# ---------------------------------------------------------------------------------------------
# Thresholds in order for the direction


def test_higher_is_better_refuses_amber_above_green(network):  # noqa: F811
    # patient satisfaction: higher is better; amber from 0.90 lies above green from 0.85
    assert refused("patient_satisfaction", green_min=0.85, amber_min=0.90) == {
        "amber_min": [
            "amber starts at 0.9, above green's 0.85: amber must lie below green when higher "
            "is better"
        ]
    }


def test_lower_is_better_refuses_amber_below_green(network):  # noqa: F811
    # no-show rate: lower is better; amber up to 0.05 lies below green up to 0.08
    assert refused("no_show_rate", green_max=0.08, amber_max=0.05) == {
        "amber_max": [
            "amber ends at 0.05, below green's 0.08: amber must lie above green when lower is "
            "better"
        ]
    }


def test_a_band_refuses_a_low_end_above_its_high_end(network):  # noqa: F811
    # utilization: a band 95 %–85 % is upside down
    assert refused(
        "utilization", green_min=0.95, green_max=0.85, amber_min=0.70, amber_max=1.00
    ) == {"green_max": ["the band's high end 0.85 is below its low end 0.95"]}


def test_a_direction_needs_its_own_thresholds(network):  # noqa: F811
    assert refused("no_show_rate", green_min=0.1) == {
        "green_max": ["required for a lower-is-better KPI"],
        "amber_max": ["required for a lower-is-better KPI"],
    }
    assert refused("utilization", green_min=0.85, amber_min=0.7) == {
        "green_max": ["a band KPI needs all four thresholds"],
        "amber_max": ["a band KPI needs all four thresholds"],
    }


def test_thresholds_are_values_of_the_kpis_unit(network):  # noqa: F811
    assert refused("patient_satisfaction", green_min=85) == {
        "green_min": ["85 is not a fraction: Patient satisfaction (top box) is one (0.85 = 85 %)"]
    }
    assert refused("tnaa_new", green_max=-1, amber_max=14) == {
        "green_max": ["-1 is below 0: Third next available, new patients is a number of days"]
    }


@pytest.mark.parametrize(
    ("code", "given", "expected"),
    [
        # higher: amber from 90 % of 0.9 = 0.81
        ("patient_satisfaction", {"green_min": 0.9}, (0.9, None, 0.81, None)),
        # lower: amber to 110 % of 0.1 = 0.11
        ("no_show_rate", {"green_max": 0.1}, (None, 0.1, None, 0.11)),
        # band 0.85–0.95: amber from 0.765 (90 % of 0.85) to 1.045 (110 % of 0.95)
        ("utilization", {"green_min": 0.85, "green_max": 0.95}, (0.85, 0.95, 0.765, 1.045)),
    ],
    ids=["higher", "lower", "band"],
)
def test_the_target_alone_gets_the_default_amber(network, code, given, expected):  # noqa: F811
    target = save(code, **given)
    got = (target.green_min, target.green_max, target.amber_min, target.amber_max)
    assert got == pytest.approx(expected)


def test_a_target_set_for_a_region_colours_its_scorecard(network, admin_user_role):  # noqa: F811
    # given: the shipped network benchmark for satisfaction is green from 0.85, amber from 0.80
    save("patient_satisfaction", green_min=0.75, amber_min=0.70, user=admin_user_role)
    north = selectors.scope_get("region:NORTH")
    march = compute.period_parse("2026-03")
    # when
    found = selectors.target_for(kpi("patient_satisfaction"), north, march)
    # then: 0.78 is green against the region's own target (it would be red on the benchmark)
    assert (found.source, found.set_by) == ("board", admin_user_role)
    assert compute.status(0.78, selectors.thresholds_of(found)) == "green"
    # and a clinic of the region inherits it
    c01 = selectors.scope_get("clinic:C01")
    assert selectors.target_for(kpi("patient_satisfaction"), c01, march) == found


# ---------------------------------------------------------------------------------------------
# Periods, sources, overlaps


def test_periods_sources_and_scopes_are_checked(network):  # noqa: F811
    assert refused("referrals", green_min=50, period_from=date(2026, 1, 15)) == {
        "period_from": ["a target starts on the first day of a month (2026-01-01)"]
    }
    assert refused("referrals", green_min=50, period_to=date(2025, 12, 31)) == {
        "period_to": ["2025-12-31 is before the start 2026-01-01"]
    }
    assert refused("referrals", green_min=50, period_to=date(2026, 3, 1)) == {
        "period_to": ["a target ends on the last day of a month (2026-03-31)"]
    }
    assert refused("referrals", green_min=50, source="capacity") == {
        "source": [
            "targets derived from capacity are computed from the new-patient caps; choose "
            "board or benchmark"
        ]
    }
    assert refused("referrals", scope="region:WEST", green_min=50) == {
        "scope": ["unknown region 'WEST'"]
    }
    assert refused("quality_score", green_min=0.8, period_kind="month") == {
        "period_kind": ["Quality score is measured quarterly: a months-only target never applies"]
    }


def test_a_second_target_from_the_same_month_is_refused_unless_for_the_other_period_kind(
    network,  # noqa: F811
):
    first = save("referrals", green_min=50, period_kind="month")
    # the same KPI, scope, kind and first month
    assert refused("referrals", green_min=60, period_kind="month") == {
        "period_from": [
            "Referrals received already has a target for North (NORTH) from 2026-01 (months, "
            "set by the board); edit it, or start this one another month"
        ]
    }
    # blank kind means months and quarters: it overlaps too
    assert "period_from" in refused("referrals", green_min=60)
    # quarters of a sum need their own target: allowed
    quarterly = save("referrals", green_min=150, period_kind="quarter")
    # editing the first one does not clash with itself
    edited = save("referrals", green_min=55, period_kind="month", target=first)
    assert (edited.pk, edited.green_min, edited.amber_min) == (first.pk, 55, 49.5)
    assert Target.objects.filter(kpi__code="referrals").count() == 2 and quarterly.pk


def test_capacity_targets_are_not_edited_or_deleted_by_hand(network):  # noqa: F811
    computed = Target.objects.create(
        kpi=kpi("new_patient_volume"), scope_type="clinic", scope_code="C01", period_from=FROM,
        period_to=date(2026, 1, 31), period_kind="month", green_min=40, amber_min=36,
        source="capacity",
    )  # fmt: skip
    assert refused("new_patient_volume", scope="clinic:C01", green_min=50, target=computed) == {
        "source": [
            "this target is derived from capacity and replaced on every refresh; set a board "
            "target instead"
        ]
    }
    with pytest.raises(services.TargetComputedError):
        services.target_delete(target=computed, user=None)
    assert Target.objects.filter(pk=computed.pk).exists()


# ---------------------------------------------------------------------------------------------
# Pages

LIST = "/scorecards/targets/"
NEW = "/scorecards/targets/new/"
FORM = {
    "kpi": "no_show_rate", "scope": "region:NORTH", "period_from": "2026-01", "period_to": "",
    "period_kind": "", "green_max": "0.07", "amber_max": "", "green_min": "", "amber_min": "",
    "source": "board", "note": "Board, January",
}  # fmt: skip


def test_an_administrator_sets_edits_and_deletes_a_target(network, client, admin_user_role):  # noqa: F811
    client.force_login(admin_user_role)
    assert client.get(NEW).status_code == 200
    # when: a lower-is-better target of 7 %, amber left to the default
    response = client.post(NEW, FORM)
    # then
    assert response.status_code == 302
    target = Target.objects.get(kpi__code="no_show_rate", scope_code="NORTH")
    assert (target.green_max, target.amber_max, target.source) == (
        0.07,
        pytest.approx(0.077),
        "board",
    )
    listed = client.get(LIST + "?kpi=no_show_rate").content.decode()
    assert "≤ 7.0 %" in listed and "Set by the board" in listed and "Shipped benchmark" in listed
    # edit: a month is typed as YYYY-MM; the end becomes the month's last day
    edit = f"/scorecards/targets/{target.pk}/edit/"
    assert client.get(edit).status_code == 200
    assert (
        client.post(edit, {**FORM, "period_to": "2026-12", "amber_max": "0.09"}).status_code == 302
    )
    target.refresh_from_db()
    assert (target.period_to, target.amber_max) == (date(2026, 12, 31), 0.09)
    # delete
    delete = f"/scorecards/targets/{target.pk}/delete/"
    assert client.get(delete).status_code == 200
    assert client.post(delete, {"confirm": "yes"}).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()


def test_thresholds_in_the_wrong_order_are_shown_on_the_form(network, client, admin_user_role):  # noqa: F811
    client.force_login(admin_user_role)
    response = client.post(NEW, {**FORM, "amber_max": "0.05"})
    assert response.status_code == 400
    assert (
        "amber ends at 0.05, below green&#x27;s 0.07: amber must lie above green when lower is "
        "better" in response.content.decode()
    )
    assert not Target.objects.filter(scope_code="NORTH").exists()


@pytest.mark.parametrize("who", ["board_user", "ops_user", "marketing_user"])
def test_only_administrators_change_targets(network, client, request, who):  # noqa: F811
    client.force_login(request.getfixturevalue(who))
    page = client.get(LIST)
    # everyone reads the targets, without the buttons to change them
    assert page.status_code == 200 and b"New target" not in page.content
    benchmark = Target.objects.get(kpi__code="no_show_rate", scope_type="network")
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, FORM).status_code == 403
    assert client.post(f"/scorecards/targets/{benchmark.pk}/edit/", FORM).status_code == 403
    delete = f"/scorecards/targets/{benchmark.pk}/delete/"
    assert client.post(delete, {"confirm": "yes"}).status_code == 403
    assert Target.objects.filter(pk=benchmark.pk).exists()
    assert not Target.objects.filter(scope_code="NORTH").exists()


def test_the_admin_saves_targets_through_the_same_rules(network, client, admin_user_role):  # noqa: F811
    client.force_login(admin_user_role)
    form = {
        "kpi": kpi("no_show_rate").pk, "scope_type": "region", "scope_code": "NORTH",
        "period_from": "2026-01-01", "period_to": "", "period_kind": "", "green_min": "",
        "green_max": "0.07", "amber_min": "", "amber_max": "0.05", "source": "board",
        "note": "",
    }  # fmt: skip
    refused = client.post("/admin/scorecards/target/add/", form)
    assert refused.status_code == 200  # the form again, with its errors
    assert "amber ends at 0.05, below green" in refused.content.decode()
    assert not Target.objects.filter(scope_code="NORTH").exists()
    # when: amber left to the default
    saved = client.post("/admin/scorecards/target/add/", {**form, "amber_max": ""})
    # then
    assert saved.status_code == 302
    target = Target.objects.get(scope_code="NORTH")
    assert (target.amber_max, target.set_by) == (pytest.approx(0.077), admin_user_role)
