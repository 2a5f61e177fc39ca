from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from growthplan import views
from scorecards.views import definitions

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("clinics/", include("clinics.urls")),
    path("capacity/", include("capacity.urls")),
    # Scenarios and the metric dictionary live above the capacity app, at their old addresses.
    path("capacity/scenarios/", include("scenarios.urls")),
    path("capacity/definitions/", definitions.DefinitionsView.as_view(), name="definitions"),
    path("marketing/", include("marketing.urls")),
    path("scorecards/", include("scorecards.urls")),
    path("jobs/", include("pipeline.urls")),
    path("api/", include(("clinics.api_urls", "api"))),
    path("api/", include(("capacity.api_urls", "capacity-api"))),
    path("api/", include(("marketing.api_urls", "marketing-api"))),
    path("api/scenarios/", include(("scenarios.api_urls", "scenarios-api"))),
    path("api/", include(("scorecards.api_urls", "scorecards-api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
