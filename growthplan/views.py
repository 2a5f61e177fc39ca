from django.db.models import Count
from django.views.generic import TemplateView

from clinics import selectors


class HomeView(TemplateView):
    """The landing page: the network at a glance, and where each role goes next."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        clinics = selectors.clinic_list(user=user)
        context["regions"] = (
            selectors.region_list(user=user)
            .annotate(clinic_count=Count("clinics"))
            .order_by("code")
        )
        context["clinic_count"] = clinics.count()
        context["provider_count"] = (
            selectors.provider_list(user=user).filter(left_on__isnull=True).count()
        )
        context["template_count"] = selectors.template_list().count()
        return context
