from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "ecitizen.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Receivers of other apps' signals (bill an application's fee, cancel a withdrawn one's).
        from ecitizen.payments import receivers  # noqa: F401
        from ecitizen.payments.references import register

        register()  # how bills, payments and refunds read in the audit log
