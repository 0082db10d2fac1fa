from django.contrib import admin

from ecitizen.core.admin_audit import AuditedModelAdmin
from ecitizen.exchange.models import Address, PopulationRecord


@admin.register(PopulationRecord)
class PopulationRecordAdmin(AuditedModelAdmin):
    list_display = ("given_name", "family_name", "date_of_birth", "is_deceased")
    search_fields = ("family_name",)
    exclude = ("national_id", "national_id_index")


@admin.register(Address)
class AddressAdmin(AuditedModelAdmin):
    """Read-mostly: the register is loaded with ``address_register_load``; here an address can only be retired."""

    list_display = ("line", "postcode", "uprn", "is_active")
    list_filter = ("is_active",)
    search_fields = ("line", "postcode", "postcode_key", "=uprn")
    fields = ("uprn", "line", "number", "street", "locality", "town", "postcode", "latitude", "longitude", "is_active")
    readonly_fields = ("uprn", "line", "number", "street", "locality", "town", "postcode", "latitude", "longitude")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
