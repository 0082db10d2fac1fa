"""Consultations and surveys: the models.

A :class:`Consultation` is what an agency asks the public (kind ``consultation``) or a group of
people (kind ``survey``): its texts per language, the documents under discussion, a form
definition of the services' form engine (:mod:`ecitizen.catalogue.formdef`), when it is open and
who may respond. A :class:`Response` is one person's answers (one per person, enforced by the
database); a :class:`PassageComment` is a comment on one numbered passage of the draft text;
an :class:`AnswerTag` is a staff member's tag on one free-text answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    SURVEY = "survey", _("Survey")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Eligibility(models.TextChoices):
    ANYONE = "anyone", _("Anyone (people without an account confirm their email address)")
    SIGNED_IN = "signed_in", _("People signed in to an account")
    VERIFIED = "verified", _("People whose identity is verified")
    RESIDENTS = "residents", _("Residents of chosen districts")


class Publication(models.TextChoices):
    NAMED = "named", _("Publish my response with my name")
    ANONYMOUS = "anonymous", _("Publish my response without my name")
    PRIVATE = "private", _("Do not publish my response")


def forget_name(collector, field, sub_objs, using) -> None:
    """``on_delete`` of a response's or a comment's ``user``: when the account is deleted the row
    stays (its answers still count), linked to nobody and without the name it was published with.
    Done in the deletion's own transaction, for one account or many at once."""
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(field.model._meta.get_field("display_name"), "", sub_objs)


class Consultation(models.Model):
    """A consultation or a survey, as its agency's admins edit it.

    Texts (``title``, ``summary``, ``description``, ``policy_text``, ``outcome``) are
    ``{language: text}``. ``policy_text`` is the draft under discussion: blank lines split it into
    the numbered passages people comment on. ``form`` is a form definition. ``opens_at`` and
    ``closes_at`` are instants (UTC); ``closed_early_at`` is set when staff close it before
    ``closes_at``. A survey that is not ``listed`` is found only through its secret ``link_token``.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="consultations")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CONSULTATION)
    slug = models.SlugField(_("web address name"), max_length=80, unique=True)
    title = models.JSONField(_("title per language"), default=dict)
    summary = models.JSONField(_("summary per language"), default=dict, blank=True)
    description = models.JSONField(_("description per language"), default=dict, blank=True)
    policy_text = models.JSONField(_("draft text per language"), default=dict, blank=True)
    form = models.JSONField(_("questions"), default=dict, blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    closed_early_at = models.DateTimeField(null=True, blank=True)
    eligibility = models.CharField(max_length=12, choices=Eligibility.choices, default=Eligibility.SIGNED_IN)
    districts = models.JSONField(_("districts"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    listed = models.BooleanField(_("listed publicly"), default=True)
    link_token = models.CharField(max_length=64, unique=True)
    outcome = models.JSONField(_("outcome per language"), default=dict, blank=True)
    outcome_published_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at", "slug"]
        indexes = [models.Index(fields=["status", "listed", "closes_at"], name="consultation_public")]

    def __str__(self) -> str:
        return self.display_title()

    def display_title(self, language: str | None = None) -> str:
        return pick(self.title, language) or self.slug

    @property
    def is_survey(self) -> bool:
        return self.kind == Kind.SURVEY

    @property
    def effective_closes_at(self):
        return self.closed_early_at or self.closes_at

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == Status.PUBLISHED and self.opens_at <= now < self.effective_closes_at

    def is_closed(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == Status.PUBLISHED and now >= self.effective_closes_at

    def is_upcoming(self, now=None) -> bool:
        """Published, not open yet, and not closed early before it opened."""
        now = now or timezone.now()
        return self.status == Status.PUBLISHED and now < self.opens_at and self.closed_early_at is None

    @property
    def closes_on(self):
        """The last local day (deployment's time zone) it takes responses: what pages show as the
        closing date. ``effective_closes_at`` is the instant just after that day ends."""
        import datetime

        instant = self.effective_closes_at - datetime.timedelta(seconds=1)
        return timezone.localtime(instant, timezone.get_default_timezone()).date()


class ConsultationDocument(models.Model):
    """A PDF under discussion, in the default (public) storage once the consultation is published."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="consultations/", max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Response(models.Model):
    """One person's response: a signed-in ``user``, or (for "anyone") a confirmed ``email``.

    ``draft`` holds the answers being edited; ``answers`` what was last sent (``submitted_at``).
    Results count sent answers only. The respondent's ``publication`` choice decides whether the
    response is shown publicly, with ``display_name`` or without.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="responses")
    # When an account is erased its sent answers stay in the results, linked to nobody and
    # without its name (:func:`forget_name`).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=forget_name, related_name="+")
    email = models.EmailField(blank=True)
    draft = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    publication = models.CharField(max_length=10, choices=Publication.choices, default=Publication.PRIVATE)
    display_name = models.CharField(max_length=200, blank=True)
    # For "residents" consultations: the district the address register gave for the respondent's
    # postcode when they sent the response. A later change of postcode does not move it.
    district = models.CharField(max_length=100, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # When the respondent was told the outcome (the telling task skips those already told).
    outcome_told_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], condition=Q(user__isnull=False), name="consultation_response_user"
            ),
            models.UniqueConstraint(
                fields=["consultation", "email"], condition=~Q(email=""), name="consultation_response_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation.slug} #{self.pk}"

    @property
    def is_sent(self) -> bool:
        return self.submitted_at is not None

    @property
    def public_name(self) -> str:
        """The name shown with the published response: only "with my name", and only while the
        response is still linked to the account it came from."""
        return self.display_name if self.publication == Publication.NAMED and self.user_id else ""


class AnswerTag(models.Model):
    """A tag staff put on one free-text answer (question ``question_id``) of a response."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="tags")
    question_id = models.CharField(max_length=40)
    tag = models.CharField(max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question_id", "tag"], name="consultation_answer_tag_unique")
        ]

    def __str__(self) -> str:
        return self.tag


class PassageComment(models.Model):
    """A comment on passage ``passage`` (numbered from 1) of a consultation's draft text."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="passage_comments")
    passage = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=forget_name, related_name="+")
    text = models.TextField()
    publication = models.CharField(max_length=10, choices=Publication.choices, default=Publication.ANONYMOUS)
    display_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["passage", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.consultation.slug} ¶{self.passage}"

    @property
    def public_name(self) -> str:
        """The name shown with the published comment (see :attr:`Response.public_name`)."""
        return self.display_name if self.publication == Publication.NAMED and self.user_id else ""
