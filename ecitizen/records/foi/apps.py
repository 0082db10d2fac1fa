from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FoiConfig(AppConfig):
    name = "ecitizen.records.foi"
    label = "foi"
    verbose_name = _("Freedom of information")
