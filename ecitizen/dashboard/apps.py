from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The signed-in home page and the header's navigation: they read from every other app,
    so they live here rather than in ``core``, which imports none."""

    name = "ecitizen.dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        # Where people land after signing in (accounts asks through a signal).
        from ecitizen.dashboard import receivers  # noqa: F401
