from django.conf import settings


def platform(request):
    """The deployment's brand. (The back-office link and the unread count come from the
    agencies and notifications apps' own context processors.)"""
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PLATFORM_LOGO_URL": settings.PLATFORM_LOGO_URL,
        "PLATFORM_CONTACT_EMAIL": settings.PLATFORM_CONTACT_EMAIL,
    }
