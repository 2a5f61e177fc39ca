from django.urls import path

from capacity import views

urlpatterns = [
    path("import/", views.ImportView.as_view(), name="appointment-import"),
    path("import/<int:pk>/", views.ImportDetailView.as_view(), name="appointment-import-detail"),
]
