"""The audit log: one append-only table that every service writes to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What happened. Grouped by domain; the value is stable and stored."""

    # Accounts and security
    SIGNED_UP = "account.signed_up", _("Signed up")
    LOGIN_SUCCEEDED = "account.login_succeeded", _("Signed in")
    LOGIN_FAILED = "account.login_failed", _("Failed sign-in")
    LOGGED_OUT = "account.logged_out", _("Signed out")
    EMAIL_VERIFIED = "account.email_verified", _("Email address verified")
    EMAIL_CHANGED = "account.email_changed", _("Email address changed")
    PASSWORD_CHANGED = "account.password_changed", _("Password changed")
    PASSWORD_RESET = "account.password_reset", _("Password reset")
    MFA_ENABLED = "account.mfa_enabled", _("Two-factor method added")
    MFA_DISABLED = "account.mfa_disabled", _("Two-factor method removed")
    RECOVERY_CODES_GENERATED = "account.recovery_codes_generated", _("Recovery codes generated")
    OTHER_SESSIONS_ENDED = "account.other_sessions_ended", _("Signed out of other sessions")
    PROFILE_UPDATED = "account.profile_updated", _("Profile updated")
    LANGUAGE_CHANGED = "account.language_changed", _("Language changed")
    # Identity
    IDENTITY_VERIFIED = "identity.verified", _("Identity verified")
    IDENTITY_VERIFICATION_FAILED = "identity.verification_failed", _("Identity verification failed")
    IDENTITY_REVIEW_FLAGGED = "identity.review_flagged", _("Identity check flagged for review")
    IDENTITY_REVIEW_RESOLVED = "identity.review_resolved", _("Identity review closed")
    # Agencies and staff
    AGENCY_CREATED = "agency.created", _("Agency created")
    AGENCY_UPDATED = "agency.updated", _("Agency updated")
    MEMBERSHIP_GRANTED = "agency.membership_granted", _("Staff role granted")
    MEMBERSHIP_REVOKED = "agency.membership_revoked", _("Staff role revoked")
    STAFF_RELATIVE_DECLARED = "agency.relative_declared", _("Staff member's relative declared")
    STAFF_RELATIVE_REMOVED = "agency.relative_removed", _("Staff member's relative declaration removed")
    STAFF_VIEWED_CITIZEN = "staff.viewed_citizen", _("Staff viewed a citizen's record")
    AUDIT_LOG_VIEWED = "staff.audit_log_viewed", _("Audit log viewed")
    # Applications (citizen side) and cases (staff side)
    APPLICATION_STARTED = "application.started", _("Application started")
    APPLICATION_SAVED = "application.saved", _("Application answers saved")
    APPLICATION_SUBMITTED = "application.submitted", _("Application submitted")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("Application withdrawn")
    APPLICATION_PAYMENT_RECEIVED = "application.payment_received", _("Application fee received")
    APPLICATION_INFO_PROVIDED = "application.info_provided", _("Information provided")
    CASE_ASSIGNED = "case.assigned", _("Case assigned")
    CASE_NOTE_ADDED = "case.note_added", _("Internal note added")
    CASE_INFO_REQUESTED = "case.info_requested", _("More information requested")
    CASE_APPROVED = "case.approved", _("Case approved")
    CASE_REFUSED = "case.refused", _("Case refused")
    # Files and messages
    FILE_UPLOADED = "file.uploaded", _("File uploaded")
    NOTIFICATION_SENT = "notification.sent", _("Message sent")
    NOTIFICATION_READ = "notification.read", _("Message marked as read")
    # Service catalogue (agency admins)
    SERVICE_CREATED = "service.created", _("Service created")
    SERVICE_UPDATED = "service.updated", _("Service details changed")
    SERVICE_FORM_UPDATED = "service.form_updated", _("Service form changed")
    SERVICE_PUBLISHED = "service.published", _("Service published")
    SERVICE_RETIRED = "service.retired", _("Service retired")
    # Issued documents
    DOCUMENT_ISSUED = "document.issued", _("Document issued")
    DOCUMENT_REVOKED = "document.revoked", _("Document revoked")
    # Payments: staff refunds (four eyes), agency payment settings
    REFUND_REQUESTED = "payment.refund_requested", _("Refund requested")
    REFUND_APPROVED = "payment.refund_approved", _("Refund approved")
    REFUND_REJECTED = "payment.refund_rejected", _("Refund rejected")
    PAYMENT_SETTINGS_CHANGED = "payment.settings_changed", _("Payment settings changed")
    PAYMENT_SETTINGS_PROPOSED = "payment.settings_proposed", _("Payment settings change proposed")
    PAYMENT_SETTINGS_PROPOSAL_WITHDRAWN = (
        "payment.settings_proposal_withdrawn",
        _("Proposed payment settings change withdrawn"),
    )
    # Payments
    BILL_CREATED = "payment.bill_created", _("Bill created")
    PAYMENT_CREATED = "payment.created", _("Payment started")
    PAYMENT_STATUS_CHANGED = "payment.status_changed", _("Payment status changed")
    PAYMENT_SUCCEEDED = "payment.succeeded", _("Payment received")
    PAYMENT_DUPLICATE = "payment.duplicate", _("Duplicate payment received")
    PAYMENT_FOR_CANCELLED_BILL = "payment.cancelled_bill_paid", _("Payment received for a cancelled bill")
    BILL_CANCELLED = "payment.bill_cancelled", _("Bill cancelled")
    PAYMENT_STATUS_IGNORED = "payment.status_ignored", _("Provider status for a finished payment ignored")
    PAYMENT_CALLBACK_REJECTED = "payment.callback_rejected", _("Payment callback rejected")
    PAYMENT_AMOUNT_MISMATCH = "payment.amount_mismatch", _("Provider reported another amount: not applied")
    PAYMENT_COUNTER_RECORDED = "payment.counter_recorded", _("Counter payment recorded")
    REFUND_ISSUED = "payment.refund_issued", _("Refund issued")
    REFUND_UPDATED = "payment.refund_updated", _("Refund status changed")
    # Taxes (agency admins; penalties and bill claims by the system)
    TAX_CREATED = "tax.created", _("Tax created")
    TAX_UPDATED = "tax.updated", _("Tax changed")
    TAX_ASSESSMENTS_IMPORTED = "tax.assessments_imported", _("Tax assessments imported")
    TAX_BILLS_GENERATED = "tax.bills_generated", _("Tax bills generated")
    TAX_PENALTIES_APPLIED = "tax.penalties_applied", _("Late payment penalties applied")
    TAX_BILLS_CLAIMED = "tax.bills_claimed", _("Tax bills linked to a verified account")
    # Report a problem
    REPORT_CREATED = "report.created", _("Problem reported")
    REPORT_CONFIRMED = "report.confirmed", _("Problem report confirmed by email")
    REPORT_STATUS_CHANGED = "report.status_changed", _("Problem report status changed")
    REPORT_UPDATE_ADDED = "report.update_added", _("Update added to a problem report")
    REPORT_NOTE_ADDED = "report.note_added", _("Staff note added to a problem report")
    REPORT_ASSIGNED = "report.assigned", _("Problem report assigned")
    REPORT_MERGED = "report.merged", _("Problem report marked as a duplicate")
    REPORT_FORWARDED = "report.forwarded", _("Problem report passed to another agency")
    REPORT_REOPENED = "report.reopened", _("Problem report reopened")
    REPORT_HIDDEN = "report.hidden", _("Problem report hidden by a moderator")
    REPORT_UNHIDDEN = "report.unhidden", _("Problem report shown again by a moderator")
    REPORT_UPDATE_HIDDEN = "report.update_hidden", _("Update to a problem report hidden by a moderator")
    REPORT_PHOTO_UPLOADED = "report.photo_uploaded", _("Photo of a problem uploaded")
    REPORT_PHOTO_REMOVED = "report.photo_removed", _("Photo of a problem removed before sending")
    REPORT_QUESTIONNAIRE_SENT = "report.questionnaire_sent", _("'Is it fixed?' questionnaire sent")
    REPORT_QUESTIONNAIRE_ANSWERED = "report.questionnaire_answered", _("'Is it fixed?' questionnaire answered")
    REPORT_ALERT_CREATED = "report.alert_created", _("Report alert requested")
    REPORT_ALERT_CONFIRMED = "report.alert_confirmed", _("Report alert confirmed")
    REPORT_ALERT_UNSUBSCRIBED = "report.alert_unsubscribed", _("Report alert cancelled")
    REPORT_CATEGORY_SAVED = "report.category_saved", _("Report category saved")
    REPORT_AREA_SAVED = "report.area_saved", _("Area served saved")
    OPEN311_CLIENT_ISSUED = "open311.client_issued", _("Open311 API key issued")
    OPEN311_CLIENT_REVOKED = "open311.client_revoked", _("Open311 API key revoked")
    # Platform
    ADMIN_OBJECT_ADDED = "admin.object_added", _("Added in the admin site")
    ADMIN_OBJECT_CHANGED = "admin.object_changed", _("Changed in the admin site")
    ADMIN_OBJECT_DELETED = "admin.object_deleted", _("Deleted in the admin site")
    ENCRYPTION_KEYS_ROTATED = "platform.encryption_keys_rotated", _("Encryption keys rotated")
    SIGNING_KEY_CREATED = "platform.signing_key_created", _("Document signing key created")
    SIGNING_KEY_ROTATED = "platform.signing_key_rotated", _("Document signing key rotated")
    LEDGER_KEY_CREATED = "platform.ledger_key_created", _("Public log key created")
    LEDGER_KEY_ROTATED = "platform.ledger_key_rotated", _("Public log key rotated")
    # Address register
    ADDRESS_REGISTER_LOADED = "exchange.address_register_loaded", _("Address register loaded")
    # Engagement: consultations and surveys (ecitizen.engagement.consultations)
    CONSULTATION_SAVED = "consultation.saved", _("Consultation saved")
    CONSULTATION_PUBLISHED = "consultation.published", _("Consultation published")
    CONSULTATION_CLOSED_EARLY = "consultation.closed_early", _("Consultation closed early")
    CONSULTATION_RESPONSE_SAVED = "consultation.response_saved", _("Consultation response draft saved")
    CONSULTATION_RESPONSE_SUBMITTED = "consultation.response_submitted", _("Consultation response sent")
    CONSULTATION_ANSWER_TAGGED = "consultation.answer_tagged", _("Consultation answer tagged")
    CONSULTATION_RESULTS_EXPORTED = "consultation.results_exported", _("Consultation results exported")
    CONSULTATION_OUTCOME_PUBLISHED = "consultation.outcome_published", _("Consultation outcome published")
    CONSULTATION_PASSAGE_COMMENTED = "consultation.passage_commented", _("Comment on a passage of a draft")
    # Engagement: petitions (ecitizen.engagement.petitions)
    PETITION_CREATED = "petition.created", _("Petition started")
    PETITION_UPDATED = "petition.updated", _("Petition edited")
    PETITION_SPONSOR_CONFIRMED = "petition.sponsor_confirmed", _("Petition sponsor confirmed")
    PETITION_SUBMITTED = "petition.submitted", _("Petition sent for moderation")
    PETITION_PUBLISHED = "petition.published", _("Petition opened for signatures")
    PETITION_REJECTED = "petition.rejected", _("Petition rejected")
    PETITION_SIGNED = "petition.signed", _("Petition signed")
    PETITION_SIGNATURE_CONFIRMED = "petition.signature_confirmed", _("Petition signature confirmed")
    PETITION_SIGNATURE_WITHDRAWN = "petition.signature_withdrawn", _("Petition signature withdrawn")
    PETITION_SIGNATURE_REVIEWED = "petition.signature_reviewed", _("Flagged petition signature reviewed")
    PETITION_RESPONDED = "petition.responded", _("Petition answered by the agency")
    PETITION_DEBATE_SCHEDULED = "petition.debate_scheduled", _("Petition debate scheduled")
    PETITION_CLOSED = "petition.closed", _("Petition closed")
    PETITION_THRESHOLD_CLEARED = "petition.threshold_cleared", _("Petition fell back below a signature threshold")
    # Engagement: discussions and moderation (ecitizen.engagement.discussions)
    BOARD_SAVED = "discussion.board_saved", _("Discussion board saved")
    COMMENT_POSTED = "discussion.comment_posted", _("Comment posted")
    COMMENT_EDITED = "discussion.comment_edited", _("Comment edited")
    COMMENT_DELETED = "discussion.comment_deleted", _("Comment removed by its author")
    COMMENT_FLAGGED = "discussion.comment_flagged", _("Comment flagged")
    COMMENT_HIDDEN = "discussion.comment_hidden", _("Comment hidden by a moderator")
    COMMENT_RESTORED = "discussion.comment_restored", _("Comment restored by a moderator")
    COMMENT_MARKED_ANSWER = "discussion.comment_marked_answer", _("Official answer marked")
    FOLLOW_STARTED = "discussion.follow_started", _("Started following")
    FOLLOW_STOPPED = "discussion.follow_stopped", _("Stopped following")
    PARTICIPANT_SAVED = "discussion.participant_saved", _("Discussion name and notification choice saved")
    # Engagement: service feedback (ecitizen.engagement.feedback)
    FEEDBACK_GIVEN = "feedback.given", _("Service feedback given")
    # Voting: participatory budgeting (ecitizen.voting.budgeting)
    PB_PROCESS_SAVED = "budgeting.process_saved", _("Participatory budget saved")
    PB_PROCESS_PUBLISHED = "budgeting.process_published", _("Participatory budget published")
    PB_BUDGET_SAVED = "budgeting.budget_saved", _("Participatory budget amount saved")
    PB_IDEA_PROPOSED = "budgeting.idea_proposed", _("Project idea proposed")
    PB_IDEA_EDITED = "budgeting.idea_edited", _("Project idea edited")
    PB_IDEA_WITHDRAWN = "budgeting.idea_withdrawn", _("Project idea withdrawn")
    PB_PHOTO_ADDED = "budgeting.photo_added", _("Project photo added")
    PB_IDEA_SUPPORTED = "budgeting.idea_supported", _("Project idea supported")
    PB_IDEA_UNSUPPORTED = "budgeting.idea_unsupported", _("Support for a project idea taken back")
    PB_IDEA_ACCEPTED = "budgeting.idea_accepted", _("Project idea accepted for the ballot")
    PB_IDEA_REJECTED = "budgeting.idea_rejected", _("Project idea rejected")
    PB_IDEA_MERGED = "budgeting.idea_merged", _("Project ideas merged")
    PB_BALLOT_CAST = "budgeting.ballot_cast", _("Participatory budget ballot cast")
    PB_PAPER_ENTERED = "budgeting.paper_entered", _("Paper ballot entered (first entry)")
    PB_PAPER_CONFIRMED = "budgeting.paper_confirmed", _("Paper ballot confirmed (second entry)")
    PB_PAPER_MISMATCH = "budgeting.paper_mismatch", _("Paper ballot entries did not agree")
    PB_PAPER_DISCARDED = "budgeting.paper_discarded", _("Paper ballot entry discarded")
    PB_TALLIED = "budgeting.tallied", _("Participatory budget votes counted")
    PB_RESULTS_PUBLISHED = "budgeting.results_published", _("Participatory budget results published")
    PB_IMPLEMENTATION_STARTED = "budgeting.implementation_started", _("Building of funded projects started")
    PB_IMPORTED = "budgeting.imported", _("Participatory budget imported from a Pabulib file")
    PB_EXPORTED = "budgeting.exported", _("Participatory budget exported as a Pabulib file")
    PB_MILESTONE_SAVED = "budgeting.milestone_saved", _("Project milestone saved")
    PB_PROGRESS_SAVED = "budgeting.progress_saved", _("Project progress and spending saved")
    PB_FOLLOW_STARTED = "budgeting.follow_started", _("Started following a funded project")
    PB_FOLLOW_STOPPED = "budgeting.follow_stopped", _("Stopped following a funded project")
    # Referendums (ecitizen/voting/referendums). An online ballot has no audit row of its own: the
    # public ballot board is its record, and a row naming the voter would tie them to it.
    REF_SAVED = "referendums.saved", _("Referendum saved")
    REF_TRUSTEE_REGISTERED = "referendums.trustee_registered", _("Referendum trustee registered a sealing key")
    REF_TRUSTEE_DEALT = "referendums.trustee_dealt", _("Referendum trustee dealt key shares")
    REF_TRUSTEE_CONFIRMED = "referendums.trustee_confirmed", _("Referendum trustee confirmed their key share")
    REF_SIGNED_OFF = "referendums.signed_off", _("Referendum setup or result signed off")
    REF_OPENED = "referendums.opened", _("Referendum opened: electorate frozen and credentials sent")
    REF_ASSISTED_VOTE = "referendums.assisted_vote", _("Referendum vote cast by the assisted path")
    REF_PAPER_ISSUED = "referendums.paper_issued", _("Referendum paper ballot handed out at a counter")
    REF_SHEET_ENTERED = "referendums.sheet_entered", _("Referendum paper ballot typed in (first entry)")
    REF_SHEET_CONFIRMED = "referendums.sheet_confirmed", _("Referendum paper ballot confirmed (second entry)")
    REF_SHEET_MISMATCH = "referendums.sheet_mismatch", _("Referendum paper ballot entries did not agree")
    REF_TALLIED = "referendums.tallied", _("Referendum ballots summed for decryption")
    REF_DECRYPTED = "referendums.decrypted", _("Referendum trustee decrypted their share of the tally")
    REF_RESULT_COMPUTED = "referendums.result_computed", _("Referendum result computed")
    REF_PUBLISHED = "referendums.published", _("Referendum result published")
    # Service-delivery analytics (ecitizen/analytics): the settings agency admins change.
    ANALYTICS_COST_SAVED = "analytics.cost_saved", _("Cost per transaction of a channel saved")
    ANALYTICS_ALERT_SAVED = "analytics.alert_saved", _("Analytics alert saved")
    ANALYTICS_ALERT_DELETED = "analytics.alert_deleted", _("Analytics alert deleted")
    ANALYTICS_ALERT_FIRED = "analytics.alert_fired", _("Analytics alert crossed its threshold")
    # Open data catalogue (ecitizen/records/datasets)
    DATASET_CREATED = "datasets.created", _("Dataset created")
    DATASET_UPDATED = "datasets.updated", _("Dataset changed")
    DATASET_PUBLISHED = "datasets.published", _("Dataset published")
    DATASET_UNPUBLISHED = "datasets.unpublished", _("Dataset unpublished")
    DATASET_RESOURCE_ADDED = "datasets.resource_added", _("Dataset resource added")
    DATASET_RESOURCE_REPLACED = "datasets.resource_replaced", _("Dataset resource replaced")
    DATASET_RESOURCE_REMOVED = "datasets.resource_removed", _("Dataset resource removed")
    # Freedom-of-information requests (ecitizen/records/foi)
    FOI_REQUESTED = "foi.requested", _("Information request sent")
    FOI_CLARIFICATION_ASKED = "foi.clarification_asked", _("Information request: clarification asked")
    FOI_CLARIFIED = "foi.clarified", _("Information request clarified by the requester")
    FOI_EXTENDED = "foi.extended", _("Information request deadline extended")
    FOI_ANSWERED = "foi.answered", _("Information request answered")
    FOI_REFUSED = "foi.refused", _("Information request refused in full or in part")
    FOI_DOCUMENT_ADDED = "foi.document_added", _("Information request document released")
    FOI_ORIGINAL_VIEWED = "foi.original_viewed", _("Unredacted original of a released document read")
    FOI_REVIEW_REQUESTED = "foi.review_requested", _("Internal review of an information request asked")
    FOI_REVIEW_DECIDED = "foi.review_decided", _("Internal review of an information request decided")
    FOI_REMINDER_SENT = "foi.reminder_sent", _("Staff reminded of an information request deadline")


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditLog(models.Model):
    """One thing that happened, who did it, and where.

    ``actor`` is the user who acted (empty for the system or an anonymous
    visitor); ``agency`` the agency on whose behalf staff acted; ``subject``
    the object acted on, as a type label and primary key so rows outlive the
    objects they name. Rows are never changed or deleted: the ORM refuses,
    and a database trigger refuses UPDATE.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # No `choices=` on purpose: new actions are added to AuditAction in code without a migration.
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person whose data the action concerned, when there is one.",
    )
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["action", "-created_at"], name="audit_action_time"),
            models.Index(fields=["agency", "-created_at"], name="audit_agency_time"),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
            models.Index(fields=["subject_user", "-created_at"], name="audit_subject_user_time"),
        ]
        default_permissions = ("view",)
        permissions = [("view_all_auditlog", "Can read the audit log of every agency")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def get_action_display(self) -> str:
        try:
            return str(AuditAction(self.action).label)
        except ValueError:
            return self.action


class RateLimitBucket(models.Model):
    """One window of a rate limit (:mod:`ecitizen.core.ratelimits`): the times of the hits it allowed.

    ``hits`` holds those times in microseconds since the epoch, newest first, separated by
    spaces; ``expires_at`` (seconds since the epoch) is when the newest leaves the window,
    after which the row may be deleted.
    """

    name = models.CharField(max_length=200, primary_key=True)
    hits = models.TextField(blank=True, default="")
    expires_at = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.name
