from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClinicsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clinics"
    verbose_name = "Clinic network"

    def ready(self) -> None:
        from growthplan import roles

        # Permissions exist only after migrate, so the role groups are synced then.
        post_migrate.connect(roles.groups_sync, dispatch_uid="growthplan.roles.groups_sync")
