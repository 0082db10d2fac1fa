from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "ecitizen.search"
    verbose_name = _("Site search")

    def ready(self) -> None:
        # The providers of the apps installed so far (services, report categories,
        # fees and taxes, fixed entry points) register themselves here.
        from ecitizen.search import providers  # noqa: F401
