from django.urls import path

from pipeline import views

urlpatterns = [
    path("", views.JobsView.as_view(), name="pipeline-jobs"),
]
