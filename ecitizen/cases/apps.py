from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "ecitizen.cases"
    label = "cases"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # Receivers of other apps' signals (a paid fee moves the case into the queue).
        from ecitizen.cases import receivers  # noqa: F401
        from ecitizen.cases.references import register

        register()  # how applications read in the audit log
