from django.apps import AppConfig


class PipelineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pipeline"
    verbose_name = "Recompute pipeline"

    def ready(self) -> None:
        # Registered with Celery as the app loads: lower apps start the pipeline by task name
        # (`clinics.changes`), in web processes and commands as well as in workers.
        from pipeline import tasks  # noqa: F401
