"""Entered KPI values: the one-value service, the KPI CSV import and their pages.

Network: organization ACME; region NORTH with clinics C01 and C02, region SOUTH with C03.
Rows are numbered as a spreadsheet numbers them: the header is row 1.
"""

from datetime import date

import pytest

from scorecards import importers, services
from scorecards.models import KPI, Measurement
from tests import factories

HEADER = "kpi,scope,period,value,numerator,denominator,note\n"
GOOD = (
    HEADER
    + "referrals,clinic:C01,2026-01,30,,,\n"
    + "referrals,clinic:C02,2026-01,12,,,\n"
    + "referrals,clinic:C03,2026-01,7,,,\n"
    + "patient_satisfaction,clinic:C01,2026-01,,412,480,survey vendor\n"
    + "patient_satisfaction,clinic:C02,2026-01,0.75,90,120,\n"
    + "quality_score,region:NORTH,2026-Q1,0.84,,,\n"
)


@pytest.fixture
def network(db):
    acme = factories.OrganizationFactory(code="ACME", name="Acme Orthopedics")
    north = factories.RegionFactory(code="NORTH", name="North", organization=acme)
    south = factories.RegionFactory(code="SOUTH", name="South", organization=acme)
    for code, region in (("C01", north), ("C02", north), ("C03", south)):
        factories.ClinicFactory(code=code, name=f"Clinic {code}", region=region)
    return acme


def value_of(code: str, scope: str, period: str) -> Measurement:
    scope_type, _, scope_code = scope.partition(":")
    return Measurement.objects.get(
        kpi__code=code, scope_type=scope_type, scope_code=scope_code, period=period
    )


def problems(content: str | bytes) -> list[tuple]:
    data = content.encode() if isinstance(content, str) else content
    with pytest.raises(importers.ImportFileError) as caught:
        services.measurements_import(content=data, user=None)
    return [(e.row, e.field, e.message) for e in caught.value.errors]


# ---------------------------------------------------------------------------------------------
# The CSV import


def test_every_bad_row_is_named_by_row_and_field_and_nothing_is_written(network):
    # given: one good row among rows that each break one rule
    content = (
        HEADER
        + "referrals,clinic:C01,2026-01,30,,,\n"  # row 2: good
        + "happiness,clinic:C01,2026-01,0.5,,,\n"  # 3: no such KPI
        + "referrals,clinic:C99,2026-01,12,,,\n"  # 4: no such clinic
        + "referrals,clinic:C02,2026-01,abc,,,\n"  # 5: not a number
        + "patient_satisfaction,clinic:C01,2026-01,140,,,\n"  # 6: a percentage, not a fraction
        + "patient_satisfaction,clinic:C02,2026-Q1,0.8,,,\n"  # 7: a quarter of a monthly KPI
        + "quality_score,region:NORTH,2026-01,0.8,,,\n"  # 8: a month of a quarterly KPI
        + "utilization,clinic:C01,2026-01,0.9,,,\n"  # 9: computed, not entered
        + "referrals,clinic:C01,2026-01,31,,,\n"  # 10: row 2 again
    )
    before = Measurement.objects.count()
    # when / then
    assert problems(content) == [
        (3, "kpi", "unknown KPI 'happiness'"),
        (4, "scope", "unknown clinic 'C99'"),
        (5, "value", "'abc' is not a number"),
        (
            6,
            "value",
            "140 is outside 0–1: Patient satisfaction (top box) is a fraction (0.87 = 87 %)",
        ),
        (
            7,
            "period",
            "2026-Q1 is a quarter, but Patient satisfaction (top box) is entered monthly: use a month (YYYY-MM, e.g. 2026-01); quarters are rolled up",
        ),
        (
            8,
            "period",
            "2026-01 is a month, but Quality score is entered quarterly: use a quarter (YYYY-Qn, e.g. 2026-Q1)",
        ),
        (9, "kpi", "Utilization is computed from the data; its values cannot be entered"),
        (10, "kpi/scope/period", "referrals for clinic:C01 in 2026-01 is already on row 2"),
    ]
    assert Measurement.objects.count() == before


def test_units_and_parts_are_checked_row_by_row(network):
    content = (
        HEADER
        + "referrals,clinic:C01,2026-01,2.5,,,\n"  # a count is whole
        + "net_patient_revenue,clinic:C01,2026-01,-5,,,\n"  # no negative money
        + "patient_satisfaction,clinic:C01,2026-01,,412,,\n"  # a numerator alone
        + "patient_satisfaction,clinic:C02,2026-01,,500,480,\n"  # more than the whole
        + "patient_satisfaction,clinic:C03,2026-01,0.9,412,480,\n"  # 412 ÷ 480 = 0.858333
        + "patient_satisfaction,clinic:C03,2026-02,,1,0,\n"  # nothing to divide by
        + 'net_patient_revenue,clinic:C02,2026-01,"1,250,000",,,\n'  # thousands separators
        + "referrals,region:NORTH,2026-01,87%,,,\n"  # a percent sign
        + "operating_margin,network,2026-01,0.1,,,\n"  # derived
        + "referrals,north,2026-01,3,,,\n"  # not a scope
        + "referrals,clinic:C01,2026-13,3,,,\n"  # not a month
        + "referrals,clinic:C01,2026-02,nan,,,\n"  # not finite
    )
    assert problems(content) == [
        (2, "value", "2.5 is not a whole number: Referrals received is a count"),
        (3, "value", "-5 is below 0: Net patient revenue is an amount of money"),
        (4, "denominator", "give both a numerator and a denominator, or neither"),
        (
            5,
            "numerator",
            "500 is more than the denominator 480: Patient satisfaction (top box) is a fraction, a part of the whole",
        ),
        (
            6,
            "value",
            "0.9 does not match numerator ÷ denominator = 412 ÷ 480 = 0.858333; leave the value empty to use it",
        ),
        (7, "denominator", "0 is not above 0"),
        (8, "value", "'1,250,000': write numbers without thousands separators (1250000)"),
        (9, "value", "'87%' is a percentage: enter a fraction (87 % is 0.87)"),
        (10, "kpi", "Operating margin is derived from other KPIs; enter those instead"),
        (
            11,
            "scope",
            "'north' is not a scope: use network, organization:CODE, region:CODE or clinic:CODE",
        ),
        (
            12,
            "period",
            "'2026-13' is not a period: use YYYY-MM for a month or YYYY-Qn for a quarter",
        ),
        (13, "value", "'nan' is not a number"),
    ]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", [("file", "", "the file is empty")]),
        (
            HEADER.encode() + b"referrals,clinic:C01,2026-01,30,,,caf\xe9\n",
            # the header's 50 bytes, then 37 before "é"
            [("file", "encoding", "not UTF-8 (byte 87); save the file as UTF-8")],
        ),
        (HEADER.encode(), [("file", "", "no rows below the header")]),
        (
            b"kpi,scope,value\nreferrals,clinic:C01,30\n",
            [("file", "period", "required column missing")],
        ),
        (
            b"kpi,scope,period,value,numerater\nreferrals,clinic:C01,2026-01,30,\n",
            [
                (
                    1,
                    "numerater",
                    "not a column of the KPI import: use kpi, scope, period, value, numerator, denominator, note",
                )
            ],
        ),
        (
            b"kpi;scope;period;value\nreferrals;clinic:C01;2026-01;30\n",
            [(1, "", "the columns are separated by ';': save the file as comma-separated")],
        ),
    ],
    ids=["empty", "latin-1", "header only", "missing column", "unknown column", "semicolons"],
)
def test_unreadable_files_are_refused_before_any_row(network, content, expected):
    assert problems(content) == expected
    assert not Measurement.objects.exists()


def test_a_good_file_imports_and_reimporting_it_changes_nothing(
    network, ops_user, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as refreshes:
        summary = services.measurements_import(content=GOOD.encode(), user=ops_user)
    # then: six values, one refresh queued after the commit
    assert summary == {"created": 6, "updated": 0, "unchanged": 0, "rows": 6, "dry_run": False}
    assert len(refreshes) == 1
    satisfaction = value_of("patient_satisfaction", "clinic:C01", "2026-01")
    # a value left empty is numerator ÷ denominator: 412 ÷ 480
    assert satisfaction.value == pytest.approx(412 / 480)
    assert (satisfaction.numerator, satisfaction.denominator) == (412, 480)
    assert (satisfaction.source, satisfaction.entered_by, satisfaction.note) == (
        "entered", ops_user, "survey vendor",
    )  # fmt: skip
    assert value_of("quality_score", "region:NORTH", "2026-Q1").period_start == date(2026, 1, 1)
    # when: the same file again
    with django_capture_on_commit_callbacks() as again:
        summary = services.measurements_import(content=GOOD.encode(), user=ops_user)
    # then: nothing changes, nothing to refresh
    assert summary == {"created": 0, "updated": 0, "unchanged": 6, "rows": 6, "dry_run": False}
    assert again == []
    assert Measurement.objects.filter(source="entered").count() == 6


def test_a_changed_value_updates_its_row_only(network, ops_user, marketing_user):
    services.measurements_import(content=GOOD.encode(), user=ops_user)
    changed = GOOD.replace("referrals,clinic:C02,2026-01,12", "referrals,clinic:C02,2026-01,14")
    # when
    summary = services.measurements_import(content=changed.encode(), user=marketing_user)
    # then
    assert (summary["created"], summary["updated"], summary["unchanged"]) == (0, 1, 5)
    row = value_of("referrals", "clinic:C02", "2026-01")
    assert (row.value, row.entered_by) == (14, marketing_user)
    assert value_of("referrals", "clinic:C01", "2026-01").entered_by == ops_user


def test_a_dry_run_counts_but_writes_nothing(network, ops_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as refreshes:
        summary = services.measurements_import(content=GOOD.encode(), user=ops_user, dry_run=True)
    assert summary == {"created": 6, "updated": 0, "unchanged": 0, "rows": 6, "dry_run": True}
    assert not Measurement.objects.exists()
    assert refreshes == []


def test_imported_clinic_values_roll_up_to_region_and_network(network, ops_user):
    # given
    services.measurements_import(content=GOOD.encode(), user=ops_user)
    # when
    services.measurements_refresh(today=date(2026, 2, 15))
    # then: referrals sum — NORTH 30 + 12 = 42, the network 42 + 7 = 49
    north = value_of("referrals", "region:NORTH", "2026-01")
    assert (north.value, north.source) == (42, "rolled_up")
    assert value_of("referrals", "region:SOUTH", "2026-01").value == 7
    assert value_of("referrals", "organization:ACME", "2026-01").value == 49
    assert value_of("referrals", "network", "2026-01").value == 49
    assert value_of("referrals", "region:NORTH", "2026-Q1").value == 42
    # satisfaction pools its parts: (412 + 90) ÷ (480 + 120) = 502 ÷ 600, not the mean of
    # 0.858 and 0.75 (0.804)
    pooled = value_of("patient_satisfaction", "region:NORTH", "2026-01")
    assert (pooled.numerator, pooled.denominator) == (502, 600)
    assert pooled.value == pytest.approx(502 / 600)
    # the quality score entered for NORTH stays as entered
    assert value_of("quality_score", "region:NORTH", "2026-Q1").source == "entered"


def test_a_value_entered_for_a_region_replaces_its_roll_up(network, ops_user):
    services.measurements_import(content=GOOD.encode(), user=ops_user)
    services.measurements_refresh(today=date(2026, 2, 15))
    assert value_of("referrals", "region:NORTH", "2026-01").source == "rolled_up"
    # when
    summary = services.measurements_import(
        content=(HEADER + "referrals,region:NORTH,2026-01,45,,,audited\n").encode(), user=ops_user
    )
    services.measurements_refresh(today=date(2026, 2, 15))
    # then: counted as a new entered value; the refresh leaves it alone
    assert summary["created"] == 1
    north = value_of("referrals", "region:NORTH", "2026-01")
    assert (north.value, north.source, north.note) == (45, "entered", "audited")


# ---------------------------------------------------------------------------------------------
# One value at a time


def kpi(code: str) -> KPI:
    return KPI.objects.get(code=code)


def save(code: str, scope_type: str = "clinic", scope_code: str = "C01", period="2026-01", **kw):
    return services.measurement_save(
        kpi=kpi(code), scope_type=scope_type, scope_code=scope_code, period=period,
        **{"value": None, "user": None, **kw},
    )  # fmt: skip


def test_one_value_from_its_parts_and_a_refresh_queued(
    network, marketing_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as refreshes:
        row = save("patient_satisfaction", numerator=87, denominator=100, user=marketing_user)
    assert (row.value, row.source, row.entered_by) == (0.87, "entered", marketing_user)
    assert len(refreshes) == 1


@pytest.mark.parametrize(
    ("code", "arguments", "expected"),
    [
        ("utilization", {"value": 0.9},
         {"kpi": ["Utilization is computed from the data; its values cannot be entered"]}),
        ("vbc_index", {"period": "2026-Q1", "value": 1.1},
         {"kpi": ["Value-based care index (house metric) is derived from other KPIs; enter those instead"]}),
        ("referrals", {"scope_code": "C99", "value": 3},
         {"scope": ["unknown clinic 'C99'"]}),
        ("referrals", {"scope_type": "", "scope_code": "", "value": 3},
         {"scope": ["choose a scope: the network, an organization, a region or a clinic"]}),
        ("patient_satisfaction", {"value": 87.0},
         {"value": ["87 is outside 0–1: Patient satisfaction (top box) is a fraction (0.87 = 87 %)"]}),
        ("quality_score", {"value": 0.8},
         {"period": ["2026-01 is a month, but Quality score is entered quarterly: use a quarter (YYYY-Qn, e.g. 2026-Q1)"]}),
        ("referrals", {"value": float("inf")}, {"value": ["inf is not a finite number"]}),
        ("referrals", {}, {"value": ["enter a value, or a numerator and a denominator"]}),
        ("referrals", {"numerator": 3, "denominator": 4},
         {"numerator": ["Referrals received is a sum: enter its value without a numerator or denominator"]}),
        ("patient_satisfaction", {"value": 0.5, "numerator": 1, "denominator": 4},
         {"value": ["0.5 does not match numerator ÷ denominator = 1 ÷ 4 = 0.25; leave the value empty to use it"]}),
        ("operating_expense", {"value": 10.0, "note": "x" * 301},
         {"note": ["at most 300 characters (this note has 301)"]}),
    ],
    ids=["computed", "derived", "unknown scope", "no scope", "percent", "month of quarterly",
         "infinite", "nothing", "parts of a sum", "parts disagree", "long note"],
)  # fmt: skip
def test_a_bad_value_is_refused_by_field(network, code, arguments, expected):
    with pytest.raises(services.ValidationError) as caught:
        save(code, **arguments)
    assert caught.value.message_dict == expected
    assert not Measurement.objects.exists()


# ---------------------------------------------------------------------------------------------
# Pages

PAGE = "/scorecards/measurements/"
IMPORT = "/scorecards/measurements/import/"


def upload(client, content: str, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("kpis.csv", content.encode(), content_type="text/csv")
    return client.post(IMPORT, {"file": file, **extra})


def test_operations_enter_a_value_on_the_page(network, client, ops_user):
    client.force_login(ops_user)
    page = client.get(PAGE)
    assert page.status_code == 200 and b'id="measurement-form"' in page.content
    # when
    response = client.post(
        PAGE,
        {"kpi": "patient_satisfaction", "scope": "clinic:C01", "period": "2026-01",
         "value": "", "numerator": "412", "denominator": "480", "note": "vendor"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    row = value_of("patient_satisfaction", "clinic:C01", "2026-01")
    assert row.value == pytest.approx(412 / 480) and row.entered_by == ops_user
    listed = client.get(response["Location"]).content.decode()
    assert "85.8 %" in listed and "Clinic C01 (C01)" in listed


def test_a_percentage_typed_for_a_fraction_is_refused_on_the_page(network, client, ops_user):
    client.force_login(ops_user)
    response = client.post(
        PAGE, {"kpi": "patient_satisfaction", "scope": "clinic:C01", "period": "2026-01",
               "value": "140"},
    )  # fmt: skip
    assert response.status_code == 400
    assert (
        "140 is outside 0–1: Patient satisfaction (top box) is a fraction (0.87 = 87 %)"
        in response.content.decode()
    )
    assert not Measurement.objects.exists()


def test_board_members_read_entered_values_but_cannot_enter_or_import(network, client, board_user):
    services.measurements_import(content=GOOD.encode(), user=None)
    client.force_login(board_user)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert b'id="measurement-form"' not in page.content and b'id="read-only"' in page.content
    assert page.content.count(b"<tr>") == 1 + 6  # the header and six values
    entry = {"kpi": "referrals", "scope": "clinic:C01", "period": "2026-02", "value": "5"}
    assert client.post(PAGE, entry).status_code == 403
    imports = client.get(IMPORT)
    assert imports.status_code == 200 and b'id="import-form"' not in imports.content
    assert upload(client, HEADER + "referrals,clinic:C01,2026-02,5,,,\n").status_code == 403
    assert Measurement.objects.count() == 6


def test_the_import_page_lists_row_errors_and_writes_nothing(network, client, marketing_user):
    client.force_login(marketing_user)
    response = upload(client, HEADER + "referrals,clinic:C01,2026-01,abc,,,\n")
    assert response.status_code == 400
    html = response.content.decode()
    assert "kpis.csv was not imported: 1 problem" in html
    assert (
        '<td class="num">2</td><td><code>value</code></td><td>&#x27;abc&#x27; is not a number</td>'
        in html
    )
    assert not Measurement.objects.exists()


def test_the_import_page_checks_then_imports(network, client, marketing_user):
    client.force_login(marketing_user)
    checked = upload(client, GOOD, dry_run="on")
    assert checked.status_code == 200
    assert "every row is good — nothing was written" in checked.content.decode()
    assert not Measurement.objects.exists()
    imported = upload(client, GOOD)
    assert imported.status_code == 200
    assert b'<dd id="created">6</dd>' in imported.content
    assert Measurement.objects.count() == 6


def test_the_template_file_documents_the_columns_and_imports_as_it_is(network, client, ops_user):
    client.force_login(ops_user)
    response = client.get("/scorecards/measurements/import/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content.decode()
    assert content.splitlines()[0] == "kpi,scope,period,value,numerator,denominator,note"
    # when: the template is uploaded unchanged, with this network's codes in it
    summary = services.measurements_import(content=content.encode(), user=ops_user)
    # then
    assert summary["created"] == len(content.splitlines()) - 1
