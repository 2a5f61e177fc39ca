"""factory_boy factories for the clinic network; every default is valid."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from clinics import compute
from clinics.models import (
    Clinic,
    ClinicHours,
    Closure,
    Organization,
    Provider,
    ProviderAbsence,
    Region,
    ScheduleTemplate,
    ServiceLine,
    TemplateAssignment,
    TemplateBlock,
    User,
    VisitType,
)

PASSWORD = "test-pass-2026"


def valid_npi(n: int) -> str:
    first_nine = f"1{n:08d}"
    return first_nine + compute.npi_check_digit(first_nine)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.Sequence(lambda n: f"Organization {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class ServiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceLine
        django_get_or_create = ("code",)

    code = "ORTHO"
    name = "Orthopedics"


class ClinicFactory(factory.django.DjangoModelFactory):
    """A clinic open Monday to Friday 08:00–17:00 offering orthopedics."""

    class Meta:
        model = Clinic
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"C{n:02d}")
    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "America/Chicago"
    exam_rooms = 6

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        if extracted is None and self.hours.exists():
            return  # an existing clinic fetched by code keeps its hours
        days = extracted if extracted is not None else dict.fromkeys(range(5), ("08:00", "17:00"))
        for weekday, (opens, closes) in days.items():
            ClinicHours.objects.create(
                clinic=self, weekday=weekday, opens=time.fromisoformat(opens),
                closes=time.fromisoformat(closes),
            )  # fmt: skip

    @factory.post_generation
    def service_lines(self, create, extracted, **kwargs):
        self.service_lines.set(extracted if extracted is not None else [ServiceLineFactory()])


class VisitTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitType
        django_get_or_create = ("code",)

    code = "ORTHO-FU"
    name = "Follow-up"
    minutes = 15
    is_new_patient = False
    service_line = factory.SubFactory(ServiceLineFactory)
    credentials = factory.LazyFunction(lambda: ["MD", "DO", "PA", "NP"])


class TemplateFactory(factory.django.DjangoModelFactory):
    """A template with one 08:00–12:00 block of ORTHO-FU on each weekday in `days`."""

    class Meta:
        model = ScheduleTemplate
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"TPL{n}")
    name = factory.Sequence(lambda n: f"Template {n}")

    @factory.post_generation
    def blocks(self, create, extracted, **kwargs):
        specs = extracted if extracted is not None else [
            (d, "08:00", "12:00", VisitTypeFactory()) for d in range(5)
        ]  # fmt: skip
        for weekday, start, end, visit_type in specs:
            TemplateBlock.objects.create(
                template=self, weekday=weekday, start=time.fromisoformat(start),
                end=time.fromisoformat(end), visit_type=visit_type,
            )  # fmt: skip


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("npi",)

    npi = factory.Sequence(valid_npi)
    name = factory.Sequence(lambda n: f"Dr. Provider {n}")
    credential = "MD"
    service_line = factory.SubFactory(ServiceLineFactory)
    fte = Decimal("1.00")
    hired_on = date(2020, 1, 1)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateAssignment

    provider = factory.SubFactory(ProviderFactory)
    clinic = factory.SubFactory(ClinicFactory)
    template = factory.SubFactory(TemplateFactory)
    weekdays = factory.LazyFunction(lambda: [0, 1, 2, 3, 4])
    starts_on = date(2024, 1, 1)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    clinic = factory.SubFactory(ClinicFactory)
    date = date(2024, 7, 4)
    reason = "Holiday"


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderAbsence

    provider = factory.SubFactory(ProviderFactory)
    starts_on = date(2024, 7, 1)
    ends_on = date(2024, 7, 5)
    reason = "PTO"
