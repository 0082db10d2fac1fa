"""Template context that belongs to agencies (listed in ``TEMPLATES``)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from ecitizen.agencies.selectors import user_is_staff


def staff(request):
    """``is_staff_member``: whether the header shows the back-office link (asked only if a page uses it)."""

    def _is_staff_member() -> bool:
        user = getattr(request, "user", None)
        return bool(user is not None and user_is_staff(user))

    return {"is_staff_member": SimpleLazyObject(_is_staff_member)}
