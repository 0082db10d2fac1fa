"""What the platform records for people about their own data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from ecitizen.core.access_purposes import purpose_text


class AccessRecord(models.Model):
    """A member of staff looked at a citizen's personal data: who, for which agency, in what role, and why.

    ``citizen`` is the person whose data was seen and the only one shown the
    row; ``staff`` who looked (kept for audits, not shown to the citizen);
    ``agency`` on whose behalf, empty when that could not be told. ``role`` is
    the staff member's roles in that agency at the time, as the English labels
    (``"Caseworker, Agency admin"``), shown translated. ``purpose_code`` (an
    :class:`~ecitizen.core.access_purposes.AccessPurpose`) and ``purpose_reference``
    (``"CC-2026-000123"``) say why, shown as a sentence in the reader's language;
    ``purpose`` is that sentence in the deployment's language as it was recorded (the
    only one for rows recorded before codes, or with a free-text purpose).
    ``subject_type`` and ``subject_id`` name the object looked at, as in the audit log.
    """

    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_records")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=200)
    purpose_code = models.CharField(max_length=40, blank=True)
    purpose_reference = models.CharField(max_length=100, blank=True)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["citizen", "-created_at"], name="access_citizen_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.purpose}"

    def role_display(self) -> str:
        """The roles in the active language (the stored English labels are the message ids)."""
        return ", ".join(gettext(label) for label in self.role.split(", ")) if self.role else ""

    def purpose_display(self) -> str:
        """Why, in the active language; the stored text when there is no (known) code."""
        return (purpose_text(self.purpose_code, self.purpose_reference) if self.purpose_code else "") or self.purpose
