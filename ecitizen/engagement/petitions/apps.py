from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "ecitizen.engagement.petitions"
    label = "petitions"
    verbose_name = _("Petitions")

    def ready(self) -> None:
        from ecitizen.engagement.petitions import registrations

        registrations.register_all()
