from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "ecitizen.documents"
    label = "documents"
