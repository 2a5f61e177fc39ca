"""The board pack: the printable page, the PDF, CSV and XLSX of the board scorecard of a scope
and quarter, built from measurements and targets made by hand."""

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from growthplan import roles
from scorecards import compute, selectors, services
from scorecards.models import KPI, KpiNote, Measurement, Target
from tests import factories

Q3 = "2026-Q3"
PDF = f"/scorecards/pack.pdf?scope=network&period={Q3}"
CSV = f"/scorecards/pack.csv?scope=network&period={Q3}"
XLSX = f"/scorecards/pack.xlsx?scope=network&period={Q3}"
PAGE = f"/scorecards/pack/?scope=network&period={Q3}"


def measure(code: str, period: str, value: float, numerator=None, denominator=None) -> None:
    Measurement.objects.create(
        kpi=KPI.objects.get(code=code), scope_type="network", scope_code="", period=period,
        period_start=compute.period_parse(period).first, value=value, numerator=numerator,
        denominator=denominator, source="entered",
    )  # fmt: skip


@pytest.fixture
def board_network(db, board_user):
    """Two clinics; network values for 2026-Q3 (and utilization for Q2), board targets from
    January 2026 for utilization and revenue; the shipped benchmarks for the rest."""
    region = factories.RegionFactory(code="R1", organization=factories.OrganizationFactory())
    factories.ClinicFactory(code="A", region=region)
    factories.ClinicFactory(code="B", region=region)
    # utilization 600 ÷ 1000 = 0.6 in Q3 (red against the board's 85–95 % band, amber from
    # 70 %); 900 ÷ 1000 = 0.9 in Q2 (green)
    measure("utilization", Q3, 0.6, 600, 1000)
    measure("utilization", "2026-Q2", 0.9, 900, 1000)
    measure("net_patient_revenue", Q3, 1234567.0)  # green: the board wants ≥ $1,000,000
    measure("tnaa_new", Q3, 12.34, 617, 50)  # amber: benchmark ≤ 10 days, amber to 14
    measure("new_patient_volume", Q3, 321.0)  # no target: grey
    measure("vbc_index", Q3, 1.0456)  # green: benchmark ≥ 1.0
    Target.objects.create(
        kpi=KPI.objects.get(code="utilization"), scope_type="network", scope_code="",
        period_from=date(2026, 1, 1), green_min=0.85, green_max=0.95, amber_min=0.70,
        amber_max=1.00, source="board",
    )  # fmt: skip
    Target.objects.create(
        kpi=KPI.objects.get(code="net_patient_revenue"), scope_type="network", scope_code="",
        period_from=date(2026, 1, 1), green_min=1_000_000, amber_min=900_000, source="board",
    )  # fmt: skip
    KpiNote.objects.create(
        kpi=KPI.objects.get(code="utilization"), scope_type="network", scope_code="", period=Q3,
        text="Two providers on leave in August", action="Locums booked for October",
        author=factories.UserFactory(username="olivia", first_name="Olivia", last_name="Ops"),
    )  # fmt: skip
    services.maturity_save(
        assessed_on=date(2026, 10, 5), scores={"governance": 3, "data_integration": 2,
                                               "culture": 4},
        notes="First assessment", user=None,
    )  # fmt: skip
    return board_user


def board_names() -> list[str]:
    return [k.name for k in selectors.scorecard_kpis("board")]


def plain(cell: object) -> object:
    """A CSV string or a spreadsheet cell as a comparable value: numbers as floats."""
    if cell is None or cell == "":
        return ""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return str(cell)


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_has_a_cover_and_the_scorecard_with_values_formatted_by_unit(client, board_network):
    # given
    client.force_login(board_network)
    # when
    response = client.get(PDF)
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="board-pack-network-2026-Q3.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    # a cover page, one page per perspective, maturity and red KPIs
    assert len(reader.pages) == 6
    cover = squeeze(reader.pages[0].extract_text())
    assert "Board pack" in cover and "Network" in cover and "Quarter 2026-Q3" in cover
    # 2 green (revenue, VBC), 1 amber (TNAA), 1 red (utilization), 11 grey
    assert re.search(r"2 1 1 11 Green Amber Red No data", cover), cover
    assert "Page 1 of 6" in cover
    text = squeeze(" ".join(p.extract_text() for p in reader.pages))
    for name in board_names():
        assert name in text, name
    # 0.6 → 60.0 %; the band 0.85–0.95 → 85.0–95.0 %
    assert "Utilization 60.0 % 85.0–95.0 % • Red 2026-Q3" in text
    assert "Net patient revenue $1,234,567 ≥ $1,000,000 • Green 2026-Q3" in text
    # 12.34 days → 12.3 d, against ≤ 10 days
    assert "Third next available, new patients 12.3 d ≤ 10.0 d • Amber 2026-Q3" in text
    assert "New patients seen 321 — • No target 2026-Q3" in text
    assert "Value-based care index (house metric) 1.05 ≥ 1.00 • Green 2026-Q3" in text
    # maturity: overall = the lowest domain (2), mean (3 + 2 + 4) ÷ 3 = 3.0
    assert "Overall 2 / 5 (the lowest domain); mean 3.0" in text
    # the red KPI with its owner's note
    assert "Two providers on leave in August Action: Locums booked for October" in text


def test_the_csv_has_every_kpi_for_the_quarter_and_its_trend(client, board_network):
    # given
    client.force_login(board_network)
    # when
    response = client.get(CSV)
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="board-pack-network-2026-Q3.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    # 15 board KPIs × 8 quarters (2024-Q4 … 2026-Q3)
    assert len(rows) == 15 * 8
    assert {r["period"] for r in rows} == {
        "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3",
    }  # fmt: skip
    by_key = {(r["kpi"], r["period"]): r for r in rows}
    assert by_key[("utilization", Q3)] == {
        "kpi": "utilization", "name": "Utilization", "perspective": "process", "period": Q3,
        "value": "0.6", "numerator": "600.0", "denominator": "1000.0", "target": "0.85-0.95",
        "status": "red", "target_source": "board",
    }  # fmt: skip
    assert by_key[("utilization", "2026-Q2")]["value"] == "0.9"
    assert by_key[("utilization", "2026-Q2")]["status"] == "green"
    # the board target starts in January 2026: 2025-Q4 reads the shipped benchmark
    assert by_key[("utilization", "2025-Q4")] == {
        "kpi": "utilization", "name": "Utilization", "perspective": "process",
        "period": "2025-Q4", "value": "", "numerator": "", "denominator": "",
        "target": "0.85-0.95", "status": "grey", "target_source": "benchmark",
    }  # fmt: skip
    assert by_key[("net_patient_revenue", Q3)] == {
        "kpi": "net_patient_revenue", "name": "Net patient revenue", "perspective": "financial",
        "period": Q3, "value": "1234567.0", "numerator": "", "denominator": "",
        "target": "1000000.0", "status": "green", "target_source": "board",
    }  # fmt: skip
    assert by_key[("tnaa_new", Q3)] == {
        "kpi": "tnaa_new", "name": "Third next available, new patients",
        "perspective": "patient", "period": Q3, "value": "12.34", "numerator": "617.0",
        "denominator": "50.0", "target": "10.0", "status": "amber",
        "target_source": "benchmark",
    }  # fmt: skip
    assert by_key[("new_patient_volume", Q3)]["target"] == ""
    assert by_key[("new_patient_volume", Q3)]["status"] == "grey"


def test_the_xlsx_has_the_same_rows_a_bold_header_and_the_maturity_sheet(client, board_network):
    # given
    client.force_login(board_network)
    expected = list(csv.reader(io.StringIO(client.get(CSV).content.decode())))
    # when
    response = client.get(XLSX)
    # then
    assert response.status_code == 200
    assert 'filename="board-pack-network-2026-Q3.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Scorecard", "Maturity"]
    sheet = book["Scorecard"]
    assert all(cell.font.bold for cell in sheet[1])
    cells = [[plain(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == [[plain(v) for v in row] for row in expected]
    # the value cells keep the raw number, shown by the KPI's unit
    utilization = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "utilization"
                       and r[3].value == Q3)  # fmt: skip
    assert utilization[4].value == 0.6
    assert utilization[4].number_format == "0.0%"
    maturity = [list(r) for r in book["Maturity"].iter_rows(values_only=True)]
    assert maturity[0] == ["assessed_on", "domain", "name", "score", "note", "overall", "mean"]
    assert [r[1:4] + r[5:] for r in maturity[1:]] == [
        ["governance", "Governance", 3, 2, 3.0],
        ["data_integration", "Data integration", 2, 2, 3.0],
        ["culture", "Culture", 4, 2, 3.0],
    ]


def test_the_printable_page_shows_the_scorecard_and_its_downloads(client, board_network):
    # given
    client.force_login(board_network)
    # when
    response = client.get(PAGE)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr id="kpi-utilization">.*?</tr>', html, re.S).group(0)
    cells = [
        squeeze(re.sub(r"<[^>]+>", " ", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    assert cells == ["Utilization", "60.0 %", "85.0–95.0 %", "Red", Q3, "Set by the board"]
    assert 'href="/scorecards/kpi/utilization/?scope=network&amp;period=2026-Q3"' in row
    for path in ("pack.pdf", "pack.csv", "pack.xlsx"):
        assert f'href="/scorecards/{path}?scope=network&amp;period=2026-Q3"' in html
    assert "window.print()" in html
    assert "overall 2 / 5" in html
    assert "Two providers on leave in August" in html


def test_the_default_is_the_latest_complete_quarter():
    # given: 24 November 2026 is in Q4; 1 January 2027 in Q1
    # then
    assert compute.latest_complete(compute.QUARTER, date(2026, 11, 24)).label == "2026-Q3"
    assert compute.latest_complete(compute.QUARTER, date(2027, 1, 1)).label == "2026-Q4"
    assert compute.latest_complete(compute.QUARTER, date(2026, 9, 30)).label == "2026-Q2"


@pytest.mark.parametrize("url", [PAGE, PDF, CSV, XLSX])
def test_a_month_is_refused_with_a_message(client, board_network, url):
    # given
    client.force_login(board_network)
    # when
    response = client.get(url.replace(Q3, "2026-08"))
    # then
    assert response.status_code == 400
    assert (
        "the board pack is quarterly — 2026-08 is a month; ask for its quarter, 2026-Q3"
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("scope=region:NOPE&period=2026-Q3", "scope: unknown region &#x27;NOPE&#x27;"),
        ("scope=planet&period=2026-Q3", "scope: &#x27;planet&#x27; is not a scope"),
        ("scope=network&period=2026-Q5", "period: &#x27;2026-Q5&#x27; is not a period"),
    ],
)
def test_a_bad_scope_or_period_is_refused_with_a_message(client, board_network, query, message):
    # given
    client.force_login(board_network)
    # when
    page = client.get(f"/scorecards/pack/?{query}")
    pdf = client.get(f"/scorecards/pack.pdf?{query}")
    # then
    assert page.status_code == 400 and message in page.content.decode()
    assert pdf.status_code == 400
    assert pdf["Content-Type"].startswith("text/plain")
    assert message.replace("&#x27;", "'") in pdf.content.decode()


def test_a_user_of_one_organization_reads_only_its_scopes(client, board_network):
    # given: a board member of another organization
    other = factories.OrganizationFactory(code="OTHER")
    factories.ClinicFactory(code="Z", region=factories.RegionFactory(code="RZ", organization=other))
    user = factories.UserFactory(username="zoe", role=roles.BOARD, organization=other)
    client.force_login(user)
    # when / then: the network holds clinics A and B too
    assert client.get(PDF).status_code == 403
    assert client.get("/scorecards/pack.csv?scope=region:R1&period=2026-Q3").status_code == 403
    # their own organization is fine, and is the default
    assert (
        client.get("/scorecards/pack.pdf?scope=organization:OTHER&period=2026-Q3").status_code
        == 200
    )
    page = client.get("/scorecards/pack/?period=2026-Q3")
    assert page.status_code == 200
    assert page.context["pack"].scope.key == "organization:OTHER"


def test_the_pack_needs_a_login(client, board_network):
    # when
    response = client.get(PDF)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
