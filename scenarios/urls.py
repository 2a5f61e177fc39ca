from django.urls import path

from scenarios import views

urlpatterns = [
    path("", views.ScenarioListView.as_view(), name="scenario-list"),
    path("import/", views.ScenarioImportView.as_view(), name="scenario-import"),
    path("compare/", views.ScenarioCompareView.as_view(), name="scenario-compare"),
    path("<int:pk>/", views.ScenarioDetailView.as_view(), name="scenario-detail"),
    path("<int:pk>/changes/", views.ScenarioChangeAddView.as_view(), name="scenario-change-add"),
    path(
        "<int:pk>/changes/<int:index>/remove/",
        views.ScenarioChangeRemoveView.as_view(),
        name="scenario-change-remove",
    ),
    path("<int:pk>/run/", views.ScenarioRunView.as_view(), name="scenario-run"),
    path("<int:pk>/status/", views.ScenarioStatusView.as_view(), name="scenario-status"),
    path("<int:pk>/export/", views.ScenarioExportView.as_view(), name="scenario-export"),
    path("<int:pk>/copy/", views.ScenarioCopyView.as_view(), name="scenario-copy"),
    path("<int:pk>/delete/", views.ScenarioDeleteView.as_view(), name="scenario-delete"),
    path("<int:pk>/apply/", views.ScenarioApplyView.as_view(), name="scenario-apply"),
]
