"""The dashboard app's answers to what accounts asks (see ``accounts/signals.py``)."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse

from ecitizen.accounts.signals import login_destination
from ecitizen.agencies.selectors import user_is_staff


@receiver(login_destination)
def _staff_land_in_the_back_office(sender, user, **kwargs) -> str | None:
    """Staff members start in the back office; everyone else keeps the default."""
    return reverse("staff:home") if user_is_staff(user) else None
