from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
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


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer, and the benchmark's trivial page: no login, no query."""
    return HttpResponse("ok", content_type="text/plain")
