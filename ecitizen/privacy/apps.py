from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ecitizen.privacy"
    label = "privacy"
