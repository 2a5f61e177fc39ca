"""The Jobs page: what recomputed which numbers, when, how far it has gone, and why."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from clinics import selectors as clinic_selectors
from pipeline import selectors, services
from pipeline.models import JobStatus


class JobsView(PermissionRequiredMixin, View):
    permission_required = "pipeline.view_recomputejob"

    def _clinics(self, request: HttpRequest) -> list | None:
        # A user of one organization sees and recomputes its clinics; others the network.
        if not getattr(request.user, "organization_id", None):
            return None
        return list(clinic_selectors.clinic_list(user=request.user))

    def get(self, request: HttpRequest) -> HttpResponse:
        clinics = self._clinics(request)
        jobs = selectors.job_list(
            clinic_codes=None if clinics is None else [c.code for c in clinics]
        )
        waiting = selectors.changes_waiting()
        context = {
            "jobs": jobs,
            "waiting": waiting,
            "busy": waiting or any(j.status in (JobStatus.QUEUED, JobStatus.RUNNING) for j in jobs),
            "can_recompute": request.user.has_perm("pipeline.add_recomputejob"),
        }
        return render(request, "pipeline/jobs.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("pipeline.add_recomputejob"):
            raise PermissionDenied("operations run recomputes")
        clinics = self._clinics(request)
        services.recompute_request(
            reason=f"requested by {request.user.get_username()}",
            clinic_ids=None if clinics is None else [c.pk for c in clinics],
        )
        messages.success(
            request,
            "Recompute queued: rollups, caps, headroom, targets and scorecards are worked out "
            "again in the background; this page follows it.",
        )
        return redirect("pipeline-jobs")
