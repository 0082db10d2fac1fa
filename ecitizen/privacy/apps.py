from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ecitizen.privacy"
    label = "privacy"

    def ready(self) -> None:
        # The access log, on the agencies app's staff_opened_citizen signal.
        from ecitizen.privacy import receivers  # noqa: F401
