"""Roles are groups with model permissions (DESIGN §7).

Board members read; marketing edits goals and campaigns; operations edit supply and approve
overrides; operations and marketing enter KPI values and answer for their red KPIs; KPI
definitions, targets and the maturity assessment are the administrator's (who records what the
board sets); administrators manage everything, users included. Later apps add their models to
EDITS; `groups_sync` is idempotent and runs after every migrate.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.http import HttpRequest

OPERATIONS = "operations"
MARKETING = "marketing"
BOARD = "board"
ADMINISTRATOR = "administrator"
ROLES = (OPERATIONS, MARKETING, BOARD, ADMINISTRATOR)

DOMAIN_APPS = ("clinics", "capacity", "marketing", "scenarios", "scorecards", "pipeline")

SUPPLY_MODELS = (
    "organization",
    "region",
    "clinic",
    "clinichours",
    "serviceline",
    "provider",
    "visittype",
    "scheduletemplate",
    "templateblock",
    "templateassignment",
    "closure",
    "providerabsence",
    "networkimport",
)

# role -> (app_label, model) pairs it may add, change and delete; every role views everything.
EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    OPERATIONS: (
        *(("clinics", m) for m in SUPPLY_MODELS),
        ("capacity", "appointment"),
        ("capacity", "appointmentimport"),
        ("capacity", "importedslot"),
        ("scenarios", "scenario"),
        ("pipeline", "recomputejob"),
        ("scorecards", "measurement"),
        ("scorecards", "kpinote"),
    ),
    MARKETING: (
        ("scenarios", "scenario"),
        ("marketing", "newpatientgoal"),
        ("marketing", "campaign"),
        ("marketing", "channel"),
        ("scorecards", "measurement"),
        ("scorecards", "kpinote"),
    ),
    BOARD: (),
}
# role -> further permission codenames, beyond add/change/delete of a model.
GRANTS: dict[str, tuple[str, ...]] = {OPERATIONS: ("decide_override", "apply_scenario")}


def _permissions_for(role: str) -> Iterable[Permission]:
    perms = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related(
        "content_type"
    )
    if role == ADMINISTRATOR:
        return list(perms) + list(
            Permission.objects.filter(content_type__app_label__in=("auth", "authtoken"))
        )
    editable = set(EDITS.get(role, ()))
    granted = set(GRANTS.get(role, ()))
    return [
        p
        for p in perms
        if p.codename.startswith("view_")
        or p.codename in granted
        or (
            (p.content_type.app_label, p.content_type.model) in editable
            and p.codename.split("_", 1)[0] in ("add", "change", "delete")
        )
    ]


def groups_sync(**_: object) -> None:
    """Create the role groups and set exactly their permissions."""
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(_permissions_for(role))


def roles_of(user: object) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    if getattr(user, "is_superuser", False):
        return set(ROLES)
    return set(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]


def roles_context(request: HttpRequest) -> dict[str, object]:
    """Template context: which roles the user holds, for the navigation."""
    roles = roles_of(request.user)
    return {
        "user_roles": sorted(roles),
        "can_edit_supply": bool(roles & {OPERATIONS, ADMINISTRATOR}),
    }
