from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "ecitizen.engagement.consultations"
    label = "consultations"
    verbose_name = _("Consultations and surveys")

    def ready(self) -> None:
        from ecitizen.engagement.consultations import findable

        findable.register_all()
