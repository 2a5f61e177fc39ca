"""The board pack: the board scorecard of one scope and quarter as a printable page, a PDF
(reportlab), and CSV / XLSX of every value behind it (DESIGN §2 scorecards, §4).

`pack_build` reads everything once; the builders below only lay it out, so the page, the PDF
and the spreadsheets always show the same numbers. Values are stored unrounded; they are
formatted by unit only where a person reads them (PDF, page), never in CSV / XLSX.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date

import reportlab
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from scorecards import compute, formatting, selectors
from scorecards.models import KpiNote, MaturityAssessment, Unit

# Quarters of history beside the pack's own (its trend), oldest first.
TREND_QUARTERS = 8
CSV_COLUMNS = [
    "kpi", "name", "perspective", "period", "value", "numerator", "denominator", "target",
    "status", "target_source",
]  # fmt: skip
MATURITY_COLUMNS = ["assessed_on", "domain", "name", "score", "note", "overall", "mean"]
STATUS_LABELS = {
    compute.GREEN: "Green",
    compute.AMBER: "Amber",
    compute.RED: "Red",
    compute.GREY: "No data",
}
STATUS_ORDER = (compute.GREEN, compute.AMBER, compute.RED, compute.GREY)
# (text, background) per status: the same colours as the pages' badges.
STATUS_COLOURS = {
    compute.GREEN: ("#1a7f37", "#e7f5ea"),
    compute.AMBER: ("#b35900", "#fff1e0"),
    compute.RED: ("#c62828", "#fdecec"),
    compute.GREY: ("#5d6b7a", "#eef2f7"),
}


# ---------------------------------------------------------------------------------------------
# Numbers in words a board member reads


def status_label(status: str, value: float | None) -> str:
    """Grey has two causes a reader should tell apart: no value, or no target."""
    if status == compute.GREY and value is not None and value == value:
        return "No target"
    return STATUS_LABELS[status]


def quarter_short(label: str) -> str:
    """2026-Q3 → 26Q3, for chart axes."""
    return f"{label[2:4]}{label[5:]}" if len(label) == 7 and label[5] == "Q" else label


# ---------------------------------------------------------------------------------------------
# What the pack shows


@dataclass(frozen=True)
class PeriodValue:
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: object  # float, [low, high] or None
    status: str
    target_source: str


@dataclass
class PackKpi:
    """One KPI of the board scorecard: its quarter's card and its trend, quarter by quarter."""

    card: selectors.KpiCard
    history: list[PeriodValue]
    notes: list[KpiNote] = field(default_factory=list)

    @property
    def kpi(self):
        return self.card.kpi

    @property
    def value_text(self) -> str:
        return formatting.value_text(self.card.value, self.kpi.unit)

    @property
    def target_text(self) -> str:
        return formatting.target_text(self.kpi.direction, self.kpi.unit, self.card.thresholds)

    @property
    def status_text(self) -> str:
        return status_label(self.card.status, self.card.value)

    @property
    def target_source(self) -> str:
        return self.card.target.get_source_display() if self.card.target else ""

    @property
    def chart(self) -> dict:
        return svg_chart(self)


@dataclass(frozen=True)
class Maturity:
    assessment: MaturityAssessment
    scores: list[tuple[str, str, int, str, str]]  # code, name, score, note, rubric text
    overall: int | None
    mean: float | None


@dataclass
class BoardPack:
    scope: selectors.Scope
    period: compute.Period
    generated_on: date
    kpis: list[PackKpi]
    trend_periods: list[str]
    maturity: Maturity | None
    maturity_history: list[Maturity]

    @property
    def perspectives(self) -> list[tuple[str, str, list[PackKpi]]]:
        """(code, label, KPIs) in the balanced scorecard's order; empty perspectives kept."""
        by_code = {k.kpi.code: k for k in self.kpis}
        grouped = selectors.scorecard_by_perspective([k.card for k in self.kpis])
        return [
            (code, label, [by_code[c.kpi.code] for c in cards]) for code, label, cards in grouped
        ]

    @property
    def counts(self) -> dict[str, int]:
        return {s: sum(1 for k in self.kpis if k.card.status == s) for s in STATUS_ORDER}

    @property
    def red(self) -> list[PackKpi]:
        return [k for k in self.kpis if k.card.status == compute.RED]

    def filename(self, extension: str) -> str:
        """board-pack-network-2026-Q3.pdf, board-pack-region-NORTH-2026-Q3.csv."""
        scope = self.scope.key.replace(":", "-")
        return f"board-pack-{scope}-{self.period.label}.{extension}"


def pack_build(*, scope: selectors.Scope, period: compute.Period, today: date) -> BoardPack:
    """The board scorecard of `scope` for the quarter `period`, with TREND_QUARTERS of trend,
    the owners' notes (on the quarter or any of its months) and the latest maturity."""
    if period.kind != compute.QUARTER:
        raise ValueError(f"the board pack is quarterly: ask for YYYY-Qn, not {period.label}")
    kpis = selectors.scorecard_kpis("board")
    periods = compute.periods_back(period, TREND_QUARTERS)
    cards = selectors.kpi_cards(kpis, scope, period, trend_length=TREND_QUARTERS)
    history: dict[int, list[PeriodValue]] = {k.pk: [] for k in kpis}
    for each in periods:
        for card in selectors.kpi_cards(kpis, scope, each, trend_length=1):
            history[card.kpi.pk].append(
                PeriodValue(
                    period=card.period, value=card.value, numerator=card.numerator,
                    denominator=card.denominator, target=card.target_value, status=card.status,
                    target_source=card.target.source if card.target else "",
                )
            )  # fmt: skip
    months = [compute.month_label(m) for m in period.months()]
    notes: dict[int, list[KpiNote]] = {}
    for note in KpiNote.objects.filter(
        kpi__in=kpis, scope_type=scope.type, scope_code=scope.code,
        period__in=[period.label, *months],
    ).select_related("author"):  # fmt: skip
        notes.setdefault(note.kpi_id, []).append(note)
    assessments = [
        _maturity(a)
        for a in MaturityAssessment.objects.filter(assessed_on__lte=today).prefetch_related(
            "scores__dimension"
        )[:TREND_QUARTERS]
    ]
    return BoardPack(
        scope=scope, period=period, generated_on=today,
        kpis=[PackKpi(c, history[c.kpi.pk], notes.get(c.kpi.pk, [])) for c in cards],
        trend_periods=[p.label for p in periods],
        maturity=assessments[0] if assessments else None, maturity_history=assessments,
    )  # fmt: skip


def _maturity(assessment: MaturityAssessment) -> Maturity:
    scores = [
        (
            s.dimension.code,
            s.dimension.name,
            s.score,
            s.note,
            s.dimension.rubric.get(str(s.score), ""),
        )
        for s in sorted(
            assessment.scores.all(), key=lambda s: (s.dimension.order, s.dimension.code)
        )
    ]
    overall, mean = compute.maturity_overall({code: score for code, _n, score, *_ in scores})
    return Maturity(assessment, scores, overall, mean)


# ---------------------------------------------------------------------------------------------
# A small trend chart for the page (SVG geometry; the template draws it)

SVG_W, SVG_H = 260, 120
PAD_L, PAD_R, PAD_T, PAD_B = 58, 8, 10, 22


def svg_chart(item: PackKpi) -> dict:
    """Geometry of a KPI's quarterly trend: points coloured by status, the green zone shaded
    (a band) or its edge dashed, three value ticks and the quarters along the bottom."""
    kpi, values = item.kpi, [h.value for h in item.history]
    present = [v for v in values if v is not None and v == v]
    t = item.card.thresholds
    edges = [e for e in ((t.green_min, t.green_max) if t else ()) if e is not None]
    if not present:
        return {"empty": True, "width": SVG_W, "height": SVG_H}
    low, high = min(present + edges), max(present + edges)
    pad = (high - low) * 0.08 or (abs(high) * 0.1 or 1.0)
    low, high = low - pad, high + pad
    inner_w, inner_h = SVG_W - PAD_L - PAD_R, SVG_H - PAD_T - PAD_B
    step = inner_w / max(len(values) - 1, 1)

    def y(v: float) -> float:
        return round(PAD_T + inner_h - (v - low) / (high - low) * inner_h, 1)

    points = [
        {"x": round(PAD_L + i * step, 1), "y": y(h.value), "status": h.status,
         "title": f"{h.period}: {formatting.value_text(h.value, kpi.unit)}"}
        for i, h in enumerate(item.history) if h.value is not None and h.value == h.value
    ]  # fmt: skip
    zone = None
    if t is not None and kpi.direction == compute.BAND and len(edges) == 2:
        zone = {"y": y(t.green_max), "height": round(y(t.green_min) - y(t.green_max), 1)}
    edge = None
    if t is not None and kpi.direction != compute.BAND and edges:
        edge = y(edges[0])
    ticks = [
        {"y": y(v), "label": formatting.axis_text(v, kpi.unit)}
        for v in (low + pad, (low + high) / 2, high - pad)
    ]
    labels = [
        {"x": round(PAD_L + i * step, 1), "text": quarter_short(h.period)}
        for i, h in enumerate(item.history)
    ]
    return {
        "empty": False, "width": SVG_W, "height": SVG_H, "left": PAD_L, "right": SVG_W - PAD_R,
        "bottom": SVG_H - PAD_B, "top": PAD_T, "inner_w": inner_w, "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points), "zone": zone, "edge": edge,
        "ticks": ticks, "tick_x": PAD_L - 4, "labels": labels, "label_y": SVG_H - 6,
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# CSV and XLSX: every value, unrounded


def pack_rows(pack: BoardPack) -> list[dict]:
    """One row per KPI × quarter (the pack's quarter and its trend), CSV_COLUMNS."""
    rows = []
    for item in pack.kpis:
        for h in item.history:
            rows.append({
                "kpi": item.kpi.code, "name": item.kpi.name, "perspective": item.kpi.perspective,
                "period": h.period, "value": h.value, "numerator": h.numerator,
                "denominator": h.denominator, "target": _target_cell(h.target),
                "status": h.status, "target_source": h.target_source,
            })  # fmt: skip
    return rows


def _target_cell(target: object) -> float | str | None:
    """A band's target as "low-high" (one cell), the others as the number."""
    if isinstance(target, list):
        low, high = target
        return f"{low:g}-{high:g}"
    return target


def maturity_rows(pack: BoardPack) -> list[dict]:
    return [
        {"assessed_on": m.assessment.assessed_on, "domain": code, "name": name, "score": score,
         "note": note, "overall": m.overall, "mean": m.mean}
        for m in pack.maturity_history
        for code, name, score, note, _rubric in m.scores
    ]  # fmt: skip


def pack_csv(pack: BoardPack) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in pack_rows(pack):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


# Excel number formats for the value columns, by unit (the cells keep the raw value).
XLSX_FORMATS = {
    Unit.FRACTION: "0.0%",
    Unit.CURRENCY: '"$"#,##0',
    Unit.COUNT: "#,##0",
    Unit.DAYS: "0.0",
    Unit.INDEX: "0.00",
}


def pack_xlsx(pack: BoardPack) -> bytes:
    """Sheet "Scorecard" (CSV_COLUMNS, bold header) and sheet "Maturity"."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Scorecard"
    bold = Font(bold=True)
    sheet.append(CSV_COLUMNS)
    units = {k.kpi.code: k.kpi.unit for k in pack.kpis}
    for row in pack_rows(pack):
        sheet.append([row[c] for c in CSV_COLUMNS])
        number_format = XLSX_FORMATS.get(units[row["kpi"]])
        for column in ("value", "target"):
            cell = sheet.cell(row=sheet.max_row, column=CSV_COLUMNS.index(column) + 1)
            if number_format and isinstance(cell.value, float):
                cell.number_format = number_format
    maturity = book.create_sheet("Maturity")
    maturity.append(MATURITY_COLUMNS)
    for row in maturity_rows(pack):
        maturity.append([row[c] for c in MATURITY_COLUMNS])
    for ws, widths in ((sheet, (26, 38, 12, 10, 14, 14, 14, 12, 8, 12)),
                       (maturity, (12, 18, 18, 7, 40, 8, 8))):  # fmt: skip
        for cell in ws[1]:
            cell.font = bold
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# PDF

FONT, FONT_BOLD = "Vera", "VeraBd"
_FONTS = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
INK, MUTED = colors.HexColor("#1d2733"), colors.HexColor("#5d6b7a")
LINE = colors.HexColor("#dde3ea")
ACCENT = colors.HexColor("#1f6feb")


def _fonts() -> None:
    """Bitstream Vera ships with reportlab and has ≥, ≤, – and ×, which Helvetica lacks."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, os.path.join(_FONTS, "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(_FONTS, "VeraBd.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=26, leading=32, spaceAfter=6
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=14, leading=19),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=19,
            spaceBefore=4,
            spaceAfter=8,
            textColor=INK,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "count": ParagraphStyle(
            "count", parent=base, fontName=FONT_BOLD, fontSize=22, leading=26, alignment=TA_CENTER
        ),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
    }


def _canvas_with_footer(text: str):
    """A canvas class that writes "text · page N of M" at the foot of every page."""

    class FooterCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved: list[dict] = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(FONT, 8)
                self.setFillColor(MUTED)
                self.setStrokeColor(LINE)
                width = self._pagesize[0]
                self.line(0.75 * inch, 0.62 * inch, width - 0.75 * inch, 0.62 * inch)
                self.drawString(0.75 * inch, 0.45 * inch, text)
                self.drawRightString(
                    width - 0.75 * inch, 0.45 * inch, f"Page {self._pageNumber} of {total}"
                )
                super().showPage()
            super().save()

    return FooterCanvas


def _status_cell(status: str, value: float | None, styles) -> Paragraph:
    ink, _bg = STATUS_COLOURS[status]
    return Paragraph(
        f'<font color="{ink}"><b>• </b>{status_label(status, value)}</font>', styles["cell"]
    )


def _kpi_table(items: list[PackKpi], styles) -> Table:
    rows: list[list] = [["KPI", "Value", "Target", "Status", "Period"]]
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE),
        ("BOX", (0, 0), (-1, -1), 0.5, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (2, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    for i, item in enumerate(items, start=1):
        name = _escape(item.kpi.name)
        rows.append([
            Paragraph(name, styles["cell"]), item.value_text, item.target_text,
            _status_cell(item.card.status, item.card.value, styles), item.card.period,
        ])  # fmt: skip
        style.append(
            ("BACKGROUND", (3, i), (3, i), colors.HexColor(STATUS_COLOURS[item.card.status][1]))
        )
    table = Table(
        rows, colWidths=[2.6 * inch, 1.15 * inch, 1.55 * inch, 0.95 * inch, 0.75 * inch],
        repeatRows=1,
    )  # fmt: skip
    table.setStyle(TableStyle(style))
    return table


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trend_drawing(item: PackKpi, width: float = 2.3 * inch, height: float = 1.45 * inch):
    """A KPI's quarterly trend as a reportlab line chart, its green edge(s) dashed."""
    drawing = Drawing(width, height)
    name = item.kpi.name
    while pdfmetrics.stringWidth(name, FONT_BOLD, 7.5) > width - 6:
        name = name[:-2].rstrip() + "…"
    drawing.add(String(2, height - 10, name, fontName=FONT_BOLD, fontSize=7.5, fillColor=INK))
    values = [None if h.value is None or h.value != h.value else h.value for h in item.history]
    if not any(v is not None for v in values):
        drawing.add(String(width / 2, height / 2, "no data in these quarters", fontName=FONT,
                           fontSize=7.5, fillColor=MUTED, textAnchor="middle"))  # fmt: skip
        return drawing
    t = item.card.thresholds
    series = [values]
    edges: list[float] = []
    if t is not None:
        band = item.kpi.direction == compute.BAND
        wanted = (
            (t.green_min, t.green_max) if band else (compute.target_value(item.kpi.direction, t),)
        )
        edges = [e for e in wanted if e is not None]
    series += [[e] * len(values) for e in edges]
    chart = HorizontalLineChart()
    chart.x, chart.y = 36, 16
    chart.width, chart.height = width - 44, height - 38
    chart.data = series
    chart.joinedLines = True
    # Every other quarter is labelled, ending with the pack's own: eight labels would touch.
    last = len(item.history) - 1
    chart.categoryAxis.categoryNames = [
        quarter_short(h.period) if (last - i) % 2 == 0 else "" for i, h in enumerate(item.history)
    ]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.strokeColor = LINE
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.labelTextFormat = lambda v: formatting.axis_text(v, item.kpi.unit)
    # The automatic range starts at zero for small positives and cuts off a negative value.
    shown = [v for v in values if v is not None] + edges
    low, high = min(shown), max(shown)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = low - pad, high + pad
    chart.valueAxis.strokeColor = LINE
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#eef1f5")
    chart.lines[0].strokeColor = ACCENT
    chart.lines[0].strokeWidth = 1.5
    chart.lines[0].symbol = makeMarker("FilledCircle", size=3, fillColor=ACCENT)
    for i in range(1, len(series)):
        chart.lines[i].strokeColor = colors.HexColor("#1a7f37")
        chart.lines[i].strokeWidth = 0.8
        chart.lines[i].strokeDashArray = (3, 2)
    drawing.add(chart)
    return drawing


def _charts_grid(items: list[PackKpi]) -> Table:
    drawings = [trend_drawing(i) for i in items]
    rows = [drawings[i : i + 3] for i in range(0, len(drawings), 3)]
    rows[-1] += [""] * (3 - len(rows[-1]))
    grid = Table(rows, colWidths=[2.4 * inch] * 3)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("BOX", (0, 0), (-1, -1), 0.5, LINE),
                              ("INNERGRID", (0, 0), (-1, -1), 0.5, LINE)]))  # fmt: skip
    return grid


def pack_pdf(pack: BoardPack) -> bytes:
    """Cover and summary, one section per perspective (table + trend charts), maturity, and
    the red KPIs with their owners' notes; "page N of M" in every footer."""
    _fonts()
    styles = _styles()
    out = io.BytesIO()
    title = f"Board pack · {pack.scope.label} · {pack.period.label}"
    doc = SimpleDocTemplate(
        out, pagesize=letter, title=title, author="Growthplan", subject="Balanced scorecard",
        leftMargin=0.75 * inch, rightMargin=0.75 * inch, topMargin=0.75 * inch,
        bottomMargin=0.85 * inch,
    )  # fmt: skip
    story: list = [
        Spacer(1, 0.6 * inch),
        Paragraph("Board pack", styles["title"]),
        Paragraph(f"Balanced scorecard — {_escape(pack.scope.label)}", styles["subtitle"]),
        Paragraph(
            f"Quarter {pack.period.label} ({pack.period.first:%-d %B %Y} – "
            f"{pack.period.last:%-d %B %Y})",
            styles["subtitle"],
        ),
        Spacer(1, 0.1 * inch),
        Paragraph(f"Generated on {pack.generated_on:%-d %B %Y} by Growthplan", styles["small"]),
        Spacer(1, 0.4 * inch),
        Paragraph("Summary", styles["h1"]),
    ]
    counts = pack.counts
    summary = Table(
        [[Paragraph(str(counts[s]), styles["count"]) for s in STATUS_ORDER],
         [Paragraph(STATUS_LABELS[s], styles["center"]) for s in STATUS_ORDER]],
        colWidths=[1.6 * inch] * 4,
    )  # fmt: skip
    summary.setStyle(
        TableStyle(
            [("BOX", (0, 0), (-1, -1), 0.5, LINE), ("INNERGRID", (0, 0), (-1, -1), 0.5, LINE),
             ("TOPPADDING", (0, 0), (-1, -1), 8), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]
            + [("BACKGROUND", (i, 0), (i, -1), colors.HexColor(STATUS_COLOURS[s][1]))
               for i, s in enumerate(STATUS_ORDER)]
            + [("TEXTCOLOR", (i, 0), (i, -1), colors.HexColor(STATUS_COLOURS[s][0]))
               for i, s in enumerate(STATUS_ORDER)]
        )
    )  # fmt: skip
    story += [
        summary,
        Spacer(1, 0.15 * inch),
        Paragraph(
            f"{len(pack.kpis)} KPIs of the board scorecard for {pack.period.label}. Green meets "
            "the target, amber is within 10 % of it, red is further away; no data is grey. "
            "Each perspective follows with its values and their trend over the last "
            f"{len(pack.trend_periods)} quarters.",
            styles["base"],
        ),
        Spacer(1, 0.2 * inch),
    ]
    per_perspective = [
        [label, *(sum(1 for k in items if k.card.status == s) for s in STATUS_ORDER)]
        for _code, label, items in pack.perspectives
    ]
    overview = Table(
        [["Perspective", *(STATUS_LABELS[s] for s in STATUS_ORDER)], *per_perspective],
        colWidths=[2.6 * inch, 1.0 * inch, 1.0 * inch, 1.0 * inch, 1.0 * inch],
    )
    overview.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 9), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE), ("BOX", (0, 0), (-1, -1), 0.5, LINE),
    ]))  # fmt: skip
    story += [overview, PageBreak()]

    for index, (_code, label, items) in enumerate(pack.perspectives):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(f"{_escape(label)} perspective", styles["h1"]))
        if not items:
            story.append(Paragraph("No KPI of this perspective is on the board scorecard.",
                                   styles["base"]))  # fmt: skip
            continue
        story += [
            _kpi_table(items, styles),
            Spacer(1, 0.12 * inch),
            KeepTogether([
                Paragraph(
                    f"Trend, {pack.trend_periods[0]} to {pack.trend_periods[-1]} "
                    "(dashed: the green edge)", styles["h2"],
                ),
                _charts_grid(items),
            ]),
            Spacer(1, 0.25 * inch),
        ]  # fmt: skip

    story += [PageBreak(), Paragraph("Alignment maturity", styles["h1"])]
    story += _maturity_story(pack, styles)
    story += [Spacer(1, 0.2 * inch), Paragraph("Red KPIs and their owners' notes", styles["h1"])]
    story += _red_story(pack, styles)
    doc.build(story, canvasmaker=_canvas_with_footer(title))
    return out.getvalue()


def _maturity_story(pack: BoardPack, styles) -> list:
    m = pack.maturity
    if m is None:
        return [Paragraph(
            "No alignment maturity assessment has been recorded yet. The administrator records "
            "one (governance, data integration, culture, each scored 1–5 against the rubric).",
            styles["base"],
        )]  # fmt: skip
    rows = [["Domain", "Score", "What that level means"]]
    for _code, name, score, note, rubric in m.scores:
        text = _escape(rubric) + (f"<br/><i>{_escape(note)}</i>" if note else "")
        rows.append([name, f"{score} / 5", Paragraph(text, styles["cell"])])
    table = Table(rows, colWidths=[1.5 * inch, 0.7 * inch, 4.8 * inch])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, LINE), ("BOX", (0, 0), (-1, -1), 0.5, LINE),
    ]))  # fmt: skip
    story = [
        Paragraph(
            f"Assessed on {m.assessment.assessed_on:%-d %B %Y}. <b>Overall {m.overall} / 5</b> "
            f"(the lowest domain); mean {m.mean:.1f}.",
            styles["base"],
        ),
        Spacer(1, 0.08 * inch),
        table,
    ]
    if m.assessment.notes:
        story += [Spacer(1, 0.08 * inch), Paragraph(_escape(m.assessment.notes), styles["small"])]
    return story


def _red_story(pack: BoardPack, styles) -> list:
    if not pack.red:
        return [Paragraph(f"No KPI of the board scorecard is red in {pack.period.label}.",
                          styles["base"])]  # fmt: skip
    story = []
    for item in pack.red:
        block = [
            Paragraph(
                f"<b>{_escape(item.kpi.name)}</b> — {item.value_text} against "
                f"{_escape(item.target_text)} ({item.card.period}); owner: "
                f"{item.kpi.get_owner_display()}",
                styles["base"],
            )
        ]
        if not item.notes:
            block.append(Paragraph("No note from the owner yet.", styles["small"]))
        for note in item.notes:
            who = (note.author.get_full_name() or note.author.username) if note.author else "—"
            action = f" <b>Action:</b> {_escape(note.action)}" if note.action else ""
            block.append(Paragraph(
                f"{note.created_at:%Y-%m-%d} {_escape(who)} ({note.period}): "
                f"{_escape(note.text)}{action}", styles["small"],
            ))  # fmt: skip
        block.append(Spacer(1, 0.1 * inch))
        story.append(KeepTogether(block))
    return story
