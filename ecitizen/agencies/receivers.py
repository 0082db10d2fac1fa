"""The agencies app's answers to what accounts announces (see ``accounts/signals.py``)."""

from __future__ import annotations

from django.dispatch import receiver

from ecitizen.accounts.signals import identity_binding_refused, staff_acting_on_identity
from ecitizen.agencies.conflicts import ensure_no_conflict


@receiver(staff_acting_on_identity)
def _no_conflict_of_interest(sender, staff, citizen, agency, national_id_index="", **kwargs):
    ensure_no_conflict(staff=staff, citizen=citizen, agency=agency, national_id_index=national_id_index)


@receiver(identity_binding_refused)
def _open_review(sender, staff, agency, account, holder, reason, **kwargs):
    from ecitizen.agencies.services import identity_review_open

    identity_review_open(actor=staff, agency=agency, account=account, holder=holder, reason=reason)
