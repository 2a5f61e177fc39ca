from django.urls import path

from capacity import api

urlpatterns = [
    path("appointments/import/", api.AppointmentImportApi.as_view(), name="appointment-import"),
    path(
        "appointments/import/<int:job_id>/",
        api.AppointmentImportDetailApi.as_view(),
        name="appointment-import-detail",
    ),
    path("utilization/", api.UtilizationApi.as_view(), name="utilization"),
    path("tnaa/", api.TnaaApi.as_view(), name="tnaa"),
    path("standardization/", api.StandardizationApi.as_view(), name="standardization"),
]
