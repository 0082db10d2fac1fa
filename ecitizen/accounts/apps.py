from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ecitizen.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Receivers that turn allauth's and Django's sign-in events into audit rows.
        from ecitizen.accounts import receivers  # noqa: F401
