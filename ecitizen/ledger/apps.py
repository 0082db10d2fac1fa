from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ecitizen.ledger"
    verbose_name = _("Public log")
    default_auto_field = "django.db.models.BigAutoField"
