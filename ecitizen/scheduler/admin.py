"""Platform admins see the timetable of periodic jobs and every run, read-only, in the Django admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ecitizen.scheduler.models import JobRun
from ecitizen.scheduler.selectors import timetable


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """The runs, newest first, with the timetable of every job above them (change_list.html)."""

    list_display = ("job", "slot", "status", "started_at", "finished_at", "duration_display", "claimed_by")
    list_filter = ("status", "job")
    search_fields = ("job", "outcome", "task_id")
    date_hierarchy = "slot"
    readonly_fields = [f.name for f in JobRun._meta.fields] + ["duration_display"]

    @admin.display(description=_("took"))
    def duration_display(self, obj):
        return obj.duration or "-"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "timetable": timetable()}
        return super().changelist_view(request, extra_context=extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
