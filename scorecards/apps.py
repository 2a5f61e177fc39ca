from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ScorecardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scorecards"
    verbose_name = "Scorecards"

    def ready(self) -> None:
        from scorecards import catalog

        post_migrate.connect(catalog.catalog_sync, sender=self, dispatch_uid="scorecards.catalog")
