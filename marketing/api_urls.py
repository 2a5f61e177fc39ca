from django.urls import path
from rest_framework.routers import DefaultRouter

from marketing import api

router = DefaultRouter()
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("campaigns", api.CampaignViewSet, basename="campaign")

urlpatterns = [
    path("goals/", api.GoalApi.as_view(), name="goals"),
    path("goals/network/", api.NetworkGoalApi.as_view(), name="goal-network"),
    path("goals/<int:goal_id>/", api.GoalDetailApi.as_view(), name="goal-detail"),
    path("goals/<int:goal_id>/decision/", api.GoalDecisionApi.as_view(), name="goal-decision"),
    path("caps/", api.CapsApi.as_view(), name="caps"),
    path("campaigns/<int:pk>/signals/", api.CampaignSignalsApi.as_view(), name="campaign-signals"),
    *router.urls,
]
