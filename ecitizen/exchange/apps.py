from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "ecitizen.exchange"
    label = "exchange"
    verbose_name = _("Registries and data exchange")
