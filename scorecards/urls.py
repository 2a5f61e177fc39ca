from django.urls import path

from scorecards.views import board, cards, entry

urlpatterns: list = [
    # the scorecards, a KPI and its drivers, notes, maturity
    path("", cards.ScorecardView.as_view(), name="scorecard"),
    path("kpi/<slug:code>/", cards.KpiDetailView.as_view(), name="scorecard-kpi"),
    path("kpi/<slug:code>/note/", cards.KpiNoteView.as_view(), name="scorecard-note"),
    path("maturity/", cards.MaturityView.as_view(), name="scorecard-maturity"),
    # the shared dashboard and the board pack
    path("dashboard/", board.SharedDashboardView.as_view(), name="shared-dashboard"),
    path("pack/", board.BoardPackView.as_view(), name="board-pack"),
    path("pack.pdf", board.BoardPackPdfView.as_view(), name="board-pack-pdf"),
    path("pack.csv", board.BoardPackCsvView.as_view(), name="board-pack-csv"),
    path("pack.xlsx", board.BoardPackXlsxView.as_view(), name="board-pack-xlsx"),
    # entered values, the KPI CSV import, targets
    path("measurements/", entry.MeasurementListView.as_view(), name="scorecard-measurements"),
    path(
        "measurements/import/",
        entry.MeasurementImportView.as_view(),
        name="scorecard-measurement-import",
    ),
    path(
        "measurements/import/template.csv",
        entry.MeasurementTemplateView.as_view(),
        name="scorecard-measurement-template",
    ),
    path("targets/", entry.TargetListView.as_view(), name="scorecard-targets"),
    path("targets/new/", entry.TargetCreateView.as_view(), name="scorecard-target-create"),
    path("targets/<int:pk>/edit/", entry.TargetEditView.as_view(), name="scorecard-target-edit"),
    path(
        "targets/<int:pk>/delete/",
        entry.TargetDeleteView.as_view(),
        name="scorecard-target-delete",
    ),
]
