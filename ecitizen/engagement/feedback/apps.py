from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "ecitizen.engagement.feedback"
    label = "feedback"
    verbose_name = _("Service feedback")

    def ready(self) -> None:
        from ecitizen.engagement.feedback.findable import SatisfactionProvider
        from ecitizen.search.registry import register

        register(SatisfactionProvider())
