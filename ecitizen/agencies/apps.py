from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "ecitizen.agencies"
    label = "agencies"
    verbose_name = _("Agencies")

    def ready(self) -> None:
        # The conflict-of-interest check and identity reviews, on the accounts app's signals.
        from ecitizen.agencies import receivers  # noqa: F401
        from ecitizen.agencies.references import register

        register()  # how agencies read in the audit log
