"""Why staff open a citizen's personal data: the purposes "who looked at my data" shows.

Every place that records an access (``ecitizen.privacy.services.access_record``, or the
``staff_opened_citizen`` signal of agencies) passes one of these codes and, where the purpose names
an object, its human reference (``"CC-2026-000001"``). The privacy app stores the code and the
reference, and shows the sentence in the *reader's* language: the citizen reading in Spanish reads
Spanish, whatever language the member of staff used. It lives in core so that every app, agencies
included, can name a purpose without importing privacy.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy, override


class AccessPurpose(models.TextChoices):
    """A purpose code and its sentence, said to the citizen (``{reference}`` is filled in)."""

    APPLICATION = "application", gettext_lazy("Working your application {reference}")
    IDENTITY_CHECK = "identity_check", gettext_lazy("Checking your identity in person")
    REPORT = "report", gettext_lazy("Handling your problem report {reference}")
    PAYMENT = "payment", gettext_lazy("Handling your payment {reference}")
    COUNTER_PAYMENT = "counter_payment", gettext_lazy("Taking your payment of bill {reference} at a counter")
    DOCUMENT = "document", gettext_lazy("Checking your document {reference} before revoking it")


def purpose_text(code: str, reference: str = "", *, language: str | None = None) -> str:
    """The sentence for *code* with *reference*, in *language* (default: the active one).

    An unknown code (one removed from the code since) gives an empty string: callers then show
    what was stored as text at the time.
    """
    try:
        purpose = AccessPurpose(code)
    except ValueError:
        return ""
    if language is None:
        return str(purpose.label).format(reference=reference).strip()
    with override(language):
        return str(purpose.label).format(reference=reference).strip()
