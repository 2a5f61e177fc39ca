"""REST API for KPIs, targets, measurements and scorecards."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from scorecards import api

router = DefaultRouter()
router.register("kpis", api.KpiViewSet, basename="kpi")
router.register("targets", api.TargetViewSet, basename="target")
router.register("measurements", api.MeasurementViewSet, basename="measurement")

urlpatterns = [
    # Before the router: its measurement detail route would read "import" as an id.
    path("measurements/import/", api.MeasurementImportApi.as_view(), name="measurement-import"),
    path("scorecards/<str:audience>/", api.ScorecardApi.as_view(), name="scorecard"),
    *router.urls,
]
