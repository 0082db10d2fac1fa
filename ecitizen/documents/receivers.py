"""What documents does when another app says something happened (see ``ecitizen.cases.signals``).

Each receiver runs inside the sender's transaction and calls one documents service: if it fails,
the sender's change rolls back with it.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ecitizen.cases.signals import application_approved, approval_preview_requested
from ecitizen.documents.services import document_issue, document_will_issue


@receiver(application_approved, dispatch_uid="documents.issue_on_approval")
def issue_on_approval(sender: Any, *, application: Any, actor: Any, **kwargs: Any) -> str:
    """Issue the document an approved application earns; returns its number ("" when its
    service issues no document: approving then just completes the application)."""
    if not (application.service_version.snapshot or {}).get("issues"):
        return ""
    return document_issue(actor=actor, application=application).number


@receiver(approval_preview_requested, dispatch_uid="documents.preview_for_approval")
def preview_for_approval(sender: Any, *, application: Any, **kwargs: Any) -> Any:
    """The document approving *application* would issue, unsaved (None if its service issues none)."""
    return document_will_issue(application)
