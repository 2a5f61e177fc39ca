from django.urls import path

from clinics import views

urlpatterns = [
    path("", views.ClinicListView.as_view(), name="clinic-list"),
    path("templates/", views.TemplateListView.as_view(), name="template-list"),
    path("templates/<str:code>/", views.TemplateDetailView.as_view(), name="template-detail"),
    path("network/import/", views.NetworkImportView.as_view(), name="network-import"),
    path(
        "network/import/<int:pk>/",
        views.NetworkImportDetailView.as_view(),
        name="network-import-detail",
    ),
    path("network/export/", views.NetworkExportView.as_view(), name="network-export"),
    path("<str:code>/", views.ClinicDetailView.as_view(), name="clinic-detail"),
    path("<str:code>/edit/", views.ClinicEditView.as_view(), name="clinic-edit"),
]
