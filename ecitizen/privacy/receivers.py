"""What privacy does when another app says staff opened a citizen's data.

Each receiver runs inside the sender's transaction and calls one privacy service: if it fails,
nothing is shown and nothing is kept.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ecitizen.agencies.signals import staff_opened_citizen
from ecitizen.privacy.services import access_record


@receiver(staff_opened_citizen, dispatch_uid="privacy.record_staff_access")
def record_staff_access(
    sender: Any, *, staff: Any, agency: Any, citizen: Any, purpose: Any, subject: Any, **kwargs: Any
) -> None:
    """Write the citizen's "who looked at my data" row and its audit row."""
    access_record(
        staff=staff,
        agency=agency,
        citizen=citizen,
        purpose=purpose,
        subject=subject,
        reference=kwargs.get("reference", ""),
    )
