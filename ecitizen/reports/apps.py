from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "ecitizen.reports"
    verbose_name = _("Report a problem")

    def ready(self) -> None:
        # Receivers that queue alerts and area relinking once a change commits.
        from ecitizen.reports import receivers  # noqa: F401
        from ecitizen.reports.references import register

        register()  # how reports, categories and areas read in the audit log
