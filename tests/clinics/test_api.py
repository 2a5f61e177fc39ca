import pytest
from tests import factories
from growthplan import roles
from clinics.models import *


def j(client, method, url, data):
    r = getattr(client, method)(url, data, content_type="application/json")
    print(method, url, data, "->", r.status_code, r.content[:400])
    return r


def test_explore(client, ops_user):
    client.force_login(ops_user)
    a = factories.AssignmentFactory(
        clinic=factories.ClinicFactory(code="C01"), template=factories.TemplateFactory(code="T1")
    )
    npi = a.provider.npi
    j(
        client,
        "patch",
        "/api/clinics/C01/",
        {
            "hours": {
                "mon": ["10:00", "17:00"],
                "tue": ["08:00", "17:00"],
                "wed": ["08:00", "17:00"],
                "thu": ["08:00", "17:00"],
                "fri": ["08:00", "17:00"],
            }
        },
    )
    print(list(ClinicHours.objects.values_list("weekday", "opens")))
    j(client, "patch", f"/api/providers/{npi}/", {"credential": "PT"})
    j(client, "patch", "/api/visit-types/1/", {"minutes": 25})
    j(client, "patch", "/api/visit-types/1/", {"credentials": ["MD"]})
    sl = factories.ServiceLineFactory(code="PT", name="PT")
    j(client, "patch", "/api/clinics/C01/", {"service_lines": ["PT"]})
    j(
        client,
        "put",
        "/api/templates/T1/",
        {
            "code": "T1",
            "name": "x",
            "blocks": [
                {"weekday": "sat", "start": "08:00", "end": "12:00", "visit_type": "ORTHO-FU"}
            ],
        },
    )
    c = factories.ClinicFactory(code="C.02")
    client.get("/api/clinics/")
    r = client.get("/api/clinics/C.02/")
    print("dotted", r.status_code)
    r = client.get("/clinics/C.02/")
    print("dotted html", r.status_code)
    j(client, "post", "/api/closures/", {"clinic": "C01", "date": "2024-12-25", "reason": "x"})
    j(client, "post", "/api/closures/", {"clinic": "C01", "date": "2024-12-25", "reason": "y"})
    print(Closure.objects.count())
    r = client.post(
        "/clinics/C01/edit/",
        {
            "name": "n",
            "timezone": "America/Chicago",
            "exam_rooms": 6,
            "rooms_per_provider": "2",
            "target_utilization": "0.9",
            "cold_threshold": "0.7",
            "band_low": "0.85",
            "band_high": "0.95",
            "hot_threshold": "0.95",
            "service_lines": [sl.pk],
            "mon_opens": "11:00",
            "mon_closes": "17:00",
        },
    )
    print("edit", r.status_code, r.get("Location"))
