from django.conf import settings
from django.utils.functional import SimpleLazyObject


def platform(request):
    """The deployment's brand, whether to show the back-office link, and the unread message count."""

    def _is_staff_member() -> bool:
        from ecitizen.agencies.selectors import user_is_staff

        user = getattr(request, "user", None)
        return bool(user is not None and user_is_staff(user))

    unread: list[int] = []

    def unread_notifications() -> int:
        # A callable, not a lazy object: templates call it and get a real int
        # (plural forms need one); it counts once, and only if a page asks.
        if not unread:
            from ecitizen.notifications.selectors import unread_count

            unread.append(unread_count(getattr(request, "user", None)))
        return unread[0]

    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PLATFORM_LOGO_URL": settings.PLATFORM_LOGO_URL,
        "PLATFORM_CONTACT_EMAIL": settings.PLATFORM_CONTACT_EMAIL,
        "is_staff_member": SimpleLazyObject(_is_staff_member),
        "unread_notifications": unread_notifications,
    }
