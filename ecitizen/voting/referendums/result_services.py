"""The result of a referendum: the online count the trustees decrypted, the paper ballots typed in
at the counters, turnout by district, the result's sign-off and its publication.

- :func:`result_combine` combines ``threshold`` valid partial decryptions into the online counts
  (stage result). The CPU work happens before the short write transaction.
- :func:`current_result` adds the confirmed, non-spoilt paper sheets to the online counts:
  ``{"trustees_used", "online", "paper": {"ballots", "counts"}, "spoilt", "totals"}`` (the shape of
  the board's ``result`` and ``paper``, docs/voting-protocol.md section 6). Sheets may still be
  typed in while the result waits for its sign-off; each change clears the result's sign-offs.
- :func:`turnout` reads the marked register: who voted (any channel) out of who may, overall and
  by district; a district with fewer than ``REFERENDUMS_MIN_GROUP`` people who may vote is not
  shown on its own (it is added to "other places", and so is the next smallest district when that
  group would be too small, so that no small group can be found by subtraction).
- The result is signed off by the returning officer and a second person over its digest (the
  result and the turnout), and published by the returning officer or an agency admin. Publishing
  stores the result and turnout as signed and opens the full board to everyone.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.reports.models import Area
from ecitizen.voting.protocol import trustees as protocol
from ecitizen.voting.referendums import conf
from ecitizen.voting.referendums.models import (
    Channel,
    ElectorateEntry,
    PaperSheet,
    Referendum,
    SheetState,
    SignOff,
    SignOffStage,
    Stage,
    Trustee,
)
from ecitizen.voting.referendums.policies import referendum_policy
from ecitizen.voting.referendums.setup_services import digest_of, questions_of, sign, sign_offs_hold

OTHER = "other"


# --- the online count -------------------------------------------------------------------------


def result_combine(*, actor: Any, referendum: Referendum) -> bool:
    """Combine the trustees' partial decryptions into the online counts, once ``threshold`` of
    them are in (each was checked when uploaded, and is checked again here). Returns whether the
    result was computed now. Raises ``ValidationError`` when the decryptions do not give a count
    (which would mean the tally or a decryption is wrong)."""
    referendum = Referendum.objects.get(pk=referendum.pk)
    if referendum.stage != Stage.COUNTING:
        return False
    decryptions = [
        t.decryption
        for t in Trustee.objects.filter(referendum=referendum, decrypted_at__isnull=False).order_by("index")
    ]
    if len(decryptions) < referendum.threshold:
        return False
    try:
        used, counts = protocol.combine(
            referendum.election, referendum.tally, decryptions, max_count=referendum.counted_ballots or 0
        )
    except ValueError as exc:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("The decryptions do not give a count: %(why)s") % {"why": exc}}
        ) from exc
    with transaction.atomic():
        locked = Referendum.objects.select_for_update().select_related("agency").get(pk=referendum.pk)
        if locked.stage != Stage.COUNTING or locked.tally != referendum.tally:
            return False
        locked.result = {"trustees_used": used, "online": counts}
        locked.stage = Stage.RESULT
        locked.save(update_fields=["result", "stage", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.REF_RESULT_COMPUTED,
            subject=locked,
            agency=locked.agency,
            extra={"trustees_used": used, "counted_ballots": locked.counted_ballots},
        )
    return True


# --- paper and totals ---------------------------------------------------------------------------


def paper_marks(referendum: Referendum) -> int:
    """How many people were handed a paper ballot at a counter (the marked register)."""
    return ElectorateEntry.objects.filter(referendum=referendum, channel=Channel.PAPER).count()


def sheet_counts(referendum: Referendum) -> dict[str, int]:
    rows = PaperSheet.objects.filter(referendum=referendum).values("state").annotate(n=Count("pk"))
    counts = {state: 0 for state in SheetState.values}
    counts.update({row["state"]: row["n"] for row in rows})
    counts["total"] = sum(counts[s] for s in SheetState.values)
    return counts


def paper_result(referendum: Referendum) -> tuple[dict, int]:
    """({"ballots", "counts"}, spoilt) of the confirmed paper sheets."""
    shape = [len(q.options.all()) for q in questions_of(referendum)]
    counts = [[0] * n for n in shape]
    ballots = spoilt = 0
    for sheet in PaperSheet.objects.filter(referendum=referendum, state=SheetState.CONFIRMED):
        if sheet.spoilt:
            spoilt += 1
            continue
        ballots += 1
        for q, marked in enumerate(sheet.choices):
            for k in marked:
                counts[q][k] += 1
    return {"ballots": ballots, "counts": counts}, spoilt


def current_result(referendum: Referendum) -> dict:
    """The result as it stands (empty before the online count is decrypted)."""
    if not referendum.result or "online" not in referendum.result:
        return {}
    paper, spoilt = paper_result(referendum)
    online = referendum.result["online"]
    totals = [
        [a + b for a, b in zip(row, prow, strict=True)] for row, prow in zip(online, paper["counts"], strict=True)
    ]
    return {
        "trustees_used": referendum.result["trustees_used"],
        "online": online,
        "paper": paper,
        "spoilt": spoilt,
        "totals": totals,
    }


# --- turnout -----------------------------------------------------------------------------------


def turnout(referendum: Referendum) -> dict:
    """``{"voted", "eligible", "channels": {...}, "districts": [{"district", "name", "voted",
    "eligible"}], "min_group"}`` from the marked register, with small groups merged (module doc)."""
    entries = ElectorateEntry.objects.filter(referendum=referendum)
    by_district = {
        row["district"]: (row["eligible"], row["voted"])
        for row in entries.values("district").annotate(eligible=Count("pk"), voted=Count("pk", filter=~Q(channel="")))
    }
    channels = {
        row["channel"]: row["n"] for row in entries.exclude(channel="").values("channel").annotate(n=Count("pk"))
    }
    smallest = conf.min_group()
    names = {a.pk: a.name for a in Area.objects.filter(pk__in=[d for d in by_district if d is not None])}
    shown = sorted(
        ((d, e, v) for d, (e, v) in by_district.items() if d is not None and e >= smallest),
        key=lambda row: (row[1], row[0]),
    )
    other_e = other_v = 0
    for d, (e, v) in by_district.items():
        if d is None or e < smallest:
            other_e, other_v = other_e + e, other_v + v
    # A small "other places" group could be found by subtracting the shown districts from the
    # total: merge the smallest shown districts into it until it is large enough.
    while 0 < other_e < smallest and shown:
        _d, e, v = shown.pop(0)
        other_e, other_v = other_e + e, other_v + v
    districts = [
        {"district": d, "name": names.get(d, {}), "eligible": e, "voted": v}
        for d, e, v in sorted(shown, key=lambda row: row[0])
    ]
    if districts and other_e:
        districts.append({"district": OTHER, "name": {}, "eligible": other_e, "voted": other_v})
    eligible = sum(e for e, _v in by_district.values())
    voted = sum(v for _e, v in by_district.values())
    return {
        "eligible": eligible,
        "voted": voted,
        "channels": {c: channels.get(c, 0) for c in Channel.values},
        "districts": districts,
        "min_group": smallest,
    }


# --- sign-off and publication --------------------------------------------------------------------


def result_summary(referendum: Referendum) -> dict:
    """What the result sign-off covers."""
    return {
        "referendum": str(referendum.uuid),
        "election_hash": referendum.election_hash,
        "counted_ballots": referendum.counted_ballots,
        "result": current_result(referendum),
        "turnout": turnout(referendum),
    }


def result_digest(referendum: Referendum) -> str:
    return digest_of(result_summary(referendum))


def result_problems(referendum: Referendum) -> list[str]:
    """Why the result cannot be signed off or published yet (none when it can)."""
    if referendum.stage == Stage.PUBLISHED:
        return [_("The result is published.")]
    if referendum.stage != Stage.RESULT:
        return [_("The trustees have not decrypted the result yet.")]
    problems = []
    counts = sheet_counts(referendum)
    if counts[SheetState.WAITING]:
        problems.append(_("Some ballot papers are waiting for their second entry."))
    if counts[SheetState.MISMATCH]:
        problems.append(_("The two entries of some ballot papers differ: a supervisor must enter them again."))
    marks = paper_marks(referendum)
    if counts[SheetState.CONFIRMED] > marks:
        problems.append(
            _("There are more ballot papers (%(sheets)s) than paper ballots handed out (%(marks)s).")
            % {"sheets": counts[SheetState.CONFIRMED], "marks": marks}
        )
    return problems


def _lock(referendum: Referendum) -> Referendum:
    return Referendum.objects.select_for_update().select_related("agency", "returning_officer").get(pk=referendum.pk)


@transaction.atomic
def result_sign_off(*, actor: Any, referendum: Referendum, digest: str) -> SignOff:
    """The returning officer or an agency admin signs the result off as they saw it (*digest*)."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "sign_off", referendum):
        raise PermissionDenied
    problems = result_problems(referendum)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    current = result_digest(referendum)
    if digest != current:
        raise ValidationError(
            {NON_FIELD_ERRORS: _("The result has changed since you opened this page. Read it again before you sign.")}
        )
    signed = sign(actor=actor, referendum=referendum, stage=SignOffStage.RESULT, digest=current)
    audit_record(
        actor=actor,
        action=AuditAction.REF_SIGNED_OFF,
        subject=referendum,
        agency=referendum.agency,
        extra={"stage": SignOffStage.RESULT, "digest": current, "as_returning_officer": signed.as_returning_officer},
    )
    return signed


@transaction.atomic
def result_publish(*, actor: Any, referendum: Referendum, now: datetime.datetime | None = None) -> Referendum:
    """The returning officer or an agency admin publishes the signed-off result."""
    referendum = _lock(referendum)
    if not referendum_policy.can_for(actor, "publish", referendum):
        raise PermissionDenied
    problems = result_problems(referendum)
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: problems})
    summary = result_summary(referendum)
    digest = digest_of(summary)
    if not sign_offs_hold(referendum, SignOffStage.RESULT, digest):
        raise ValidationError(
            {NON_FIELD_ERRORS: _("The returning officer and a second person must sign off this result first.")}
        )
    referendum.result = summary["result"]
    referendum.turnout = summary["turnout"]
    referendum.published_at = now or timezone.now()
    referendum.stage = Stage.PUBLISHED
    referendum.save(update_fields=["result", "turnout", "published_at", "stage", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REF_PUBLISHED,
        subject=referendum,
        agency=referendum.agency,
        extra={"digest": digest, "totals": summary["result"]["totals"]},
    )
    return referendum


def result_changed(referendum: Referendum) -> int:
    """Inside a caller's transaction: the result changed (a paper sheet), so its sign-offs go.
    Returns how many were cleared."""
    cleared, _by_model = SignOff.objects.filter(referendum=referendum, stage=SignOffStage.RESULT).delete()
    return cleared
