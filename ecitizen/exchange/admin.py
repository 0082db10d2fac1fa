from django.contrib import admin

from ecitizen.core.admin_audit import AuditedModelAdmin
from ecitizen.exchange.models import PopulationRecord


@admin.register(PopulationRecord)
class PopulationRecordAdmin(AuditedModelAdmin):
    list_display = ("given_name", "family_name", "date_of_birth", "is_deceased")
    search_fields = ("family_name",)
    exclude = ("national_id", "national_id_index")
