from rest_framework.routers import DefaultRouter

from clinics import api

router = DefaultRouter()
router.register("organizations", api.OrganizationViewSet, basename="organization")
router.register("regions", api.RegionViewSet, basename="region")
router.register("service-lines", api.ServiceLineViewSet, basename="serviceline")
router.register("clinics", api.ClinicViewSet, basename="clinic")
router.register("visit-types", api.VisitTypeViewSet, basename="visittype")
router.register("templates", api.ScheduleTemplateViewSet, basename="scheduletemplate")
router.register("providers", api.ProviderViewSet, basename="provider")
router.register("assignments", api.TemplateAssignmentViewSet, basename="templateassignment")
router.register("closures", api.ClosureViewSet, basename="closure")
router.register("absences", api.ProviderAbsenceViewSet, basename="providerabsence")

urlpatterns = router.urls
