from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulerConfig(AppConfig):
    name = "ecitizen.scheduler"
    label = "scheduler"
    verbose_name = _("Periodic jobs")

    def ready(self) -> None:
        from ecitizen.scheduler import checks  # noqa: F401  (registers the check of PERIODIC_JOBS)
