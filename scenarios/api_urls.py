from django.urls import path

from scenarios import api

urlpatterns = [
    path("", api.ScenarioListApi.as_view(), name="scenario-list"),
    path("compare/", api.ScenarioCompareApi.as_view(), name="scenario-compare"),
    path("<int:scenario_id>/", api.ScenarioDetailApi.as_view(), name="scenario-detail"),
    path("<int:scenario_id>/file/", api.ScenarioFileApi.as_view(), name="scenario-file"),
    path("<int:scenario_id>/run/", api.ScenarioRunApi.as_view(), name="scenario-run"),
    path("<int:scenario_id>/apply/", api.ScenarioApplyApi.as_view(), name="scenario-apply"),
]
