from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ecitizen.api"
    label = "api"
    verbose_name = "API"
