"""The metric dictionary (DESIGN §3): every computed number, the scorecards' KPIs among them.

It lives with the scorecards, the highest app, because it reads the KPIs; its address stays
/capacity/definitions/, where the capacity and marketing pages link to it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from scorecards import selectors


class DefinitionsView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "scorecards/definitions.html", {"kpis": selectors.kpi_list()})
