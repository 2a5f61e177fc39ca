from django.urls import path

from marketing import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="marketing-dashboard"),
    path("goals/", views.GoalsView.as_view(), name="marketing-goals"),
    path("goals/<int:pk>/decide/", views.OverrideDecideView.as_view(), name="marketing-decide"),
    path("network-goal/", views.NetworkGoalView.as_view(), name="marketing-network-goal"),
    path("campaigns/", views.CampaignListView.as_view(), name="marketing-campaign-list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="marketing-campaign-create"),
    path(
        "campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="marketing-campaign-detail"
    ),
    path(
        "campaigns/<int:pk>/edit/",
        views.CampaignEditView.as_view(),
        name="marketing-campaign-edit",
    ),
    path(
        "campaigns/<int:pk>/delete/",
        views.CampaignDeleteView.as_view(),
        name="marketing-campaign-delete",
    ),
]
