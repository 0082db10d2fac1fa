from django.conf import settings
from django.utils.functional import SimpleLazyObject


def platform(request):
    """The deployment's brand, and whether to show the back-office link."""

    def _is_staff_member() -> bool:
        from ecitizen.agencies.selectors import user_is_staff

        user = getattr(request, "user", None)
        return bool(user is not None and user_is_staff(user))

    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PLATFORM_LOGO_URL": settings.PLATFORM_LOGO_URL,
        "PLATFORM_CONTACT_EMAIL": settings.PLATFORM_CONTACT_EMAIL,
        "is_staff_member": SimpleLazyObject(_is_staff_member),
    }
