from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferendumsConfig(AppConfig):
    name = "ecitizen.voting.referendums"
    label = "referendums"
    verbose_name = _("Referendums")
