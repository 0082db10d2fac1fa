from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    name = "ecitizen.engagement.discussions"
    label = "discussions"
    verbose_name = _("Discussions")

    def ready(self) -> None:
        from ecitizen.engagement.discussions import own_subjects, references
        from ecitizen.engagement.discussions.search import DiscussionProvider
        from ecitizen.search.registry import register

        own_subjects.register()  # boards and their topics as subjects of discussion
        references.register()  # how comments and boards read in the audit log
        register(DiscussionProvider())
