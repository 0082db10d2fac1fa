from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (``seed_demo``). It sits on top of every other app, so ``core`` needs none of them."""

    name = "ecitizen.demo"
    label = "demo"
    verbose_name = _("Demo data")
