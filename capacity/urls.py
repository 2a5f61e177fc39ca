from django.urls import path

from capacity import views

urlpatterns = [
    path("", views.NetworkUtilizationView.as_view(), name="utilization-network"),
    path("regions/<str:code>/", views.RegionUtilizationView.as_view(), name="utilization-region"),
    path("clinics/<str:code>/", views.ClinicUtilizationView.as_view(), name="utilization-clinic"),
    path(
        "providers/<str:npi>/",
        views.ProviderUtilizationView.as_view(),
        name="utilization-provider",
    ),
    path("standardization/", views.StandardizationView.as_view(), name="standardization"),
    path("import/", views.ImportView.as_view(), name="appointment-import"),
    path("import/<int:pk>/", views.ImportDetailView.as_view(), name="appointment-import-detail"),
]
