from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecitizen.core.policies import access
from ecitizen.core.site import absolute_url
from ecitizen.notifications import selectors, services
from ecitizen.notifications.links import linkify
from ecitizen.notifications.policies import notification_policy


@login_required
@require_GET
def inbox(request):
    page = Paginator(selectors.notifications_for(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_GET
def message(request, pk: int):
    """Show one message, and mark it read: opening it is reading it, as in any mail client.

    A GET that writes is safe here: the change goes through the service (audited, only
    the owner's own message, the policy has just checked), and it is idempotent, so a
    reload or a prefetch changes nothing more than the first view did.
    """
    notification = access(notification_policy, request.user, "view", pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    return render(
        request,
        "notifications/message.html",
        {
            "notification": notification,
            "paragraphs": [linkify(paragraph, request) for paragraph in notification.paragraphs()],
            "details_url": absolute_url(notification.url, request) if notification.url else "",
        },
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = access(notification_policy, request.user, "mark_read", pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    messages.success(request, _("Message marked as read."))
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notification_mark_all_read(user=request.user)
    messages.success(request, _("All messages marked as read."))
    return redirect("notifications:inbox")
