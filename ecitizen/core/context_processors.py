from django.conf import settings

# The public URL namespaces of Have your say (ecitizen.engagement): the header marks its menu item
# as the current one on their pages.
ENGAGEMENT_NAMESPACES = ("engagement", "consultations", "petitions", "discussions", "feedback")


def platform(request):
    """The deployment's brand. (The back-office link and the unread count come from the
    agencies and notifications apps' own context processors.)"""
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "PLATFORM_LOGO_URL": settings.PLATFORM_LOGO_URL,
        "PLATFORM_CONTACT_EMAIL": settings.PLATFORM_CONTACT_EMAIL,
        "ENGAGEMENT_NAMESPACES": ENGAGEMENT_NAMESPACES,
    }
