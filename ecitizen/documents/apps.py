from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "ecitizen.documents"
    label = "documents"

    def ready(self) -> None:
        # Receivers of other apps' signals (an approval issues the document).
        from ecitizen.documents import receivers  # noqa: F401
        from ecitizen.documents.references import register

        register()  # how documents read in the audit log
