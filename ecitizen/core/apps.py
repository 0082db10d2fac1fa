from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ecitizen.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from ecitizen.core import checks  # noqa: F401  (registers the deployment checks)

        audit_every_admin()


def audit_every_admin() -> None:
    """Wrap every ModelAdmin registered so far (ours, Django's, allauth's) so that
    each add, change and delete in the admin site writes an audit row."""
    from django.contrib import admin

    from ecitizen.core.admin_audit import AuditedModelAdmin

    for model, model_admin in list(admin.site._registry.items()):
        cls = type(model_admin)
        if issubclass(cls, AuditedModelAdmin):
            continue
        audited = type(f"Audited{cls.__name__}", (AuditedModelAdmin, cls), {"__module__": cls.__module__})
        admin.site.unregister(model)
        admin.site.register(model, audited)
