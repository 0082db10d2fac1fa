"""Service feedback: one rating per person per completed transaction.

A :class:`Rating` answers GOV.UK's one question ("Overall, how did you feel about the
service you received today?") about one transaction: an application sent, a payment
made, a problem report closed or a document issued. It names the transaction by its
kind and public reference (the application's reference, the payment's receipt number,
the report's number, the document's number) rather than by a foreign key, so that this
app depends on the others only through their selectors.

``rater`` is the person who answered (never shown with the answer: staff see comments
without names). It is empty for a rating given through a signed link by someone without an
account (a problem report made without signing in: see the ``links`` module): such a rating
names no one, and there is one per transaction, as there is one per person and transaction.
``service`` is the catalogue service the transaction belongs to (none for a problem report
or a tax payment); ``agency`` is the agency that served them. ``month`` is the first day of
the month, in the deployment's time zone, when the rating was first given: satisfaction is
counted per service and month on it.

When the rater's account is deleted the rating stays, so that satisfaction figures already
published do not move (see :func:`forget_rater`): ``rater`` becomes empty, and the comment and
the transaction's reference -- the two things that could still lead back to the person -- are
erased. The answer, kind, agency, service, channel and month stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    APPLICATION = "application", _("Application sent")
    PAYMENT = "payment", _("Payment made")
    REPORT = "report", _("Problem report closed")
    DOCUMENT = "document", _("Document issued")


class Answer(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEITHER = 3, _("Neither satisfied nor dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


SATISFIED_ANSWERS = (Answer.VERY_SATISFIED, Answer.SATISFIED)


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At a counter, with staff")
    HELPER = "helper", _("Through a trusted helper")


def forget_rater(collector, field, sub_objs, using) -> None:
    """``on_delete`` of :attr:`Rating.rater`: keep the ratings of a deleted account, without the
    account, the comment or the reference (done in the deletion's own transaction)."""
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(Rating._meta.get_field("comment"), "", sub_objs)
    collector.add_field_update(Rating._meta.get_field("reference"), "", sub_objs)


class Rating(models.Model):
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reference = models.CharField(max_length=40)
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=forget_rater, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("catalogue.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    answer = models.PositiveSmallIntegerField(choices=Answer.choices)
    comment = models.TextField(blank=True)
    month = models.DateField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rater", "kind", "reference"], name="feedback_one_rating_per_transaction"),
            # Ratings through a link have no rater; those of deleted accounts have no reference either.
            models.UniqueConstraint(
                fields=["kind", "reference"],
                condition=models.Q(rater__isnull=True) & ~models.Q(reference=""),
                name="feedback_one_rating_per_link",
            ),
            models.CheckConstraint(condition=models.Q(answer__gte=1, answer__lte=5), name="feedback_answer_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["service", "month"], name="feedback_service_month"),
            models.Index(fields=["agency", "month"], name="feedback_agency_month"),
            models.Index(fields=["agency", "-created_at"], name="feedback_agency_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}: {self.answer}"
