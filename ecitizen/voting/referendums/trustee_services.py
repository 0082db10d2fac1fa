"""The trustees' steps (docs/voting-protocol.md, sections 3 and 6), as the platform sees them.

Each trustee runs ``python -m ecitizen.voting.trustee`` on a computer of their own; the platform
hands them the JSON their tool needs (:func:`setup_json`, :func:`deals_json`, :func:`tally_json`)
and checks and keeps what the tool wrote:

1. **register**: the trustee's sealing key (public), while no trustee has dealt;
2. **deal**: commitments, a proof of knowledge and a share sealed to each trustee, checked with
   ``trustees.check_deal_public``, once everyone has registered and until someone confirms;
3. **confirm**: the trustee's verification key, which must equal the one anyone computes from the
   commitments; when every trustee has confirmed, the election key is stored (and the referendum
   is ready to open if its setup is signed off);
4. **decrypt**: after the close, the trustee's partial decryption of the tally with its proofs;
   once ``threshold`` of them hold, the online count is computed (stage result).

Every step: one transaction with its audit row; proofs are checked before the transaction, so
no write lock is held while the CPU works. A bad upload raises ``ValidationError`` on ``upload``
with a sentence the trustee can act on; nothing is saved.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.voting.protocol import trustees as protocol
from ecitizen.voting.referendums.models import Referendum, Stage, Trustee
from ecitizen.voting.referendums.policies import trustee_policy
from ecitizen.voting.referendums.result_services import result_combine
from ecitizen.voting.referendums.setup_services import ready_if_complete

UPLOAD = "upload"
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_HEX = re.compile(r"(?:[0-9a-f]{2})+\Z")


def _refuse(message: str) -> ValidationError:
    return ValidationError({UPLOAD: message})


def _lock(trustee: Trustee) -> tuple[Trustee, Referendum]:
    referendum = Referendum.objects.select_for_update().select_related("agency").get(pk=trustee.referendum_id)
    trustee = Trustee.objects.select_for_update().get(pk=trustee.pk)
    return trustee, referendum


def _check_actor(actor: Any, trustee: Trustee) -> None:
    if actor is None or trustee.user_id != actor.pk or not trustee_policy.can_for(actor, "act", trustee):
        raise PermissionDenied


def _index_agrees(value: Any, trustee: Trustee) -> None:
    if value is not None and value != trustee.index:
        raise _refuse(
            _("This file is for trustee %(other)s, and you are trustee %(index)s. Upload your own file.")
            % {"other": value, "index": trustee.index}
        )


def _all(referendum: Referendum) -> list[Trustee]:
    return list(Trustee.objects.filter(referendum=referendum).order_by("index"))


def _key_stage(referendum: Referendum) -> None:
    if referendum.stage != Stage.KEYS:
        raise _refuse(_("The trustees are not making the election key now."))


# --- 1. register ----------------------------------------------------------------------------


def trustee_register(*, actor: Any, trustee: Trustee, registration: Any) -> Trustee:
    """The trustee's sealing key (``{"sealing_key": E}``, as ``trustee register`` writes it)."""
    _check_actor(actor, trustee)
    if not isinstance(registration, dict) or not isinstance(registration.get("sealing_key"), str):
        raise _refuse(_("This is not what “register” writes: it has no sealing key."))
    key = registration["sealing_key"].strip()
    if not _HEX64.match(key):
        raise _refuse(_("The sealing key must be 64 lower-case hexadecimal characters."))
    _index_agrees(registration.get("index"), trustee)
    with transaction.atomic():
        trustee, referendum = _lock(trustee)
        _key_stage(referendum)
        if any(t.deal for t in _all(referendum)):
            raise _refuse(
                _("Trustees have started dealing: sealing keys can no longer change. Ask to restart key generation.")
            )
        if any(t.sealing_key == key for t in _all(referendum) if t.pk != trustee.pk):
            raise _refuse(_("Another trustee registered this sealing key. Make a key of your own."))
        replaced = bool(trustee.sealing_key)
        trustee.sealing_key = key
        trustee.save(update_fields=["sealing_key"])
        audit_record(
            actor=actor,
            action=AuditAction.REF_TRUSTEE_REGISTERED,
            subject=trustee,
            agency=referendum.agency,
            extra={"referendum": referendum.pk, "index": trustee.index, "replaced": replaced},
        )
    return trustee


def setup_json(trustee: Trustee) -> dict | None:
    """What ``trustee deal --setup`` reads; None until every trustee has registered."""
    referendum = trustee.referendum
    everyone = _all(referendum)
    if referendum.stage != Stage.KEYS or len(everyone) != referendum.trustee_count:
        return None
    if not all(t.sealing_key for t in everyone):
        return None
    return {
        "uuid": str(referendum.uuid),
        "threshold": referendum.threshold,
        "index": trustee.index,
        "trustees": [{"index": t.index, "sealing_key": t.sealing_key} for t in everyone],
    }


# --- 2. deal ----------------------------------------------------------------------------------


def _deal_shape(deal: Any, referendum: Referendum, trustee: Trustee) -> dict:
    if not isinstance(deal, dict) or not {"index", "commitments", "pok", "shares"} <= deal.keys():
        raise _refuse(_("This is not what “deal” writes: it needs index, commitments, pok and shares."))
    _index_agrees(deal.get("index"), trustee)
    shares = deal.get("shares")
    wanted = {str(j) for j in range(1, referendum.trustee_count + 1)}
    if not isinstance(shares, dict) or set(shares) != wanted:
        raise _refuse(
            _("The deal must hold one sealed share for each of the %(n)s trustees.") % {"n": referendum.trustee_count}
        )
    if not all(isinstance(v, str) and _HEX.match(v) and len(v) <= 1024 for v in shares.values()):
        raise _refuse(_("A sealed share is not hexadecimal text."))
    return {
        "index": trustee.index,
        "commitments": deal["commitments"],
        "pok": deal["pok"],
        "shares": {j: shares[j] for j in sorted(shares, key=int)},
    }


def trustee_deal(*, actor: Any, trustee: Trustee, deal: Any) -> Trustee:
    """The trustee's deal (as ``trustee deal`` writes it): its public part must hold."""
    _check_actor(actor, trustee)
    referendum = trustee.referendum
    deal = _deal_shape(deal, referendum, trustee)
    try:
        holds = protocol.check_deal_public(str(referendum.uuid), referendum.threshold, deal)
    except (TypeError, ValueError, KeyError):
        holds = False
    if not holds:
        raise _refuse(
            _(
                "The deal's proof does not hold, or it has the wrong number of commitments for %(t)s "
                "trustees needed. Make it again with the latest setup.json."
            )
            % {"t": referendum.threshold}
        )
    with transaction.atomic():
        trustee, referendum = _lock(trustee)
        _key_stage(referendum)
        everyone = _all(referendum)
        if not all(t.sealing_key for t in everyone) or len(everyone) != referendum.trustee_count:
            raise _refuse(_("Wait until every trustee has registered."))
        if any(t.confirmed_at for t in everyone):
            raise _refuse(_("Trustees have started confirming: the deals can no longer change."))
        replaced = bool(trustee.deal)
        trustee.deal = deal
        trustee.save(update_fields=["deal"])
        audit_record(
            actor=actor,
            action=AuditAction.REF_TRUSTEE_DEALT,
            subject=trustee,
            agency=referendum.agency,
            extra={"referendum": referendum.pk, "index": trustee.index, "replaced": replaced},
        )
    return trustee


def deals_json(trustee: Trustee) -> dict | None:
    """What ``trustee confirm --deals`` reads (every deal, with the share sealed to this trustee);
    None until every trustee has dealt."""
    referendum = trustee.referendum
    everyone = _all(referendum)
    if referendum.stage not in (Stage.KEYS, Stage.READY) or len(everyone) != referendum.trustee_count:
        return None
    if not all(t.deal for t in everyone):
        return None
    return {
        "uuid": str(referendum.uuid),
        "threshold": referendum.threshold,
        "index": trustee.index,
        "deals": [
            {
                "index": t.index,
                "commitments": t.deal["commitments"],
                "pok": t.deal["pok"],
                "share": t.deal["shares"][str(trustee.index)],
            }
            for t in everyone
        ],
    }


# --- 3. confirm -------------------------------------------------------------------------------


def trustee_confirm(*, actor: Any, trustee: Trustee, confirmation: Any) -> Trustee:
    """The trustee's confirmation (``{"index", "verification_key"}``): the key must be the one the
    commitments give for this trustee. The last confirmation stores the election key."""
    _check_actor(actor, trustee)
    if not isinstance(confirmation, dict) or not isinstance(confirmation.get("verification_key"), str):
        raise _refuse(_("This is not what “confirm” writes: it has no verification key."))
    _index_agrees(confirmation.get("index"), trustee)
    key = confirmation["verification_key"].strip()
    deals = [t.deal for t in _all(trustee.referendum)]
    if not deals or not all(deals):
        raise _refuse(_("Wait until every trustee has dealt."))
    expected = protocol.verification_key(deals, trustee.index)
    if key != expected:
        raise _refuse(
            _(
                "This verification key is not the one the trustees' commitments give for trustee %(index)s. "
                "Run “confirm” again with the latest deals.json."
            )
            % {"index": trustee.index}
        )
    public_key = protocol.public_key(deals)
    with transaction.atomic():
        trustee, referendum = _lock(trustee)
        _key_stage(referendum)
        everyone = _all(referendum)
        if [t.deal for t in everyone] != deals:
            raise _refuse(_("The deals changed while you confirmed. Download deals.json again."))
        trustee.verification_key = key
        trustee.confirmed_at = timezone.now()
        trustee.save(update_fields=["verification_key", "confirmed_at"])
        complete = all(t.confirmed_at for t in everyone if t.pk != trustee.pk)
        ready = False
        if complete:
            referendum.public_key = public_key
            referendum.save(update_fields=["public_key", "updated_at"])
            ready = ready_if_complete(referendum)
        audit_record(
            actor=actor,
            action=AuditAction.REF_TRUSTEE_CONFIRMED,
            subject=trustee,
            agency=referendum.agency,
            extra={"referendum": referendum.pk, "index": trustee.index, "key_complete": complete, "ready": ready},
        )
    return trustee


# --- 4. decrypt -------------------------------------------------------------------------------


def tally_json(trustee: Trustee) -> dict | None:
    """What ``trustee decrypt --tally`` reads; None until the ballots are summed."""
    referendum = trustee.referendum
    if referendum.stage != Stage.COUNTING or not referendum.tally:
        return None
    return {"election_hash": referendum.election_hash, "index": trustee.index, "tally": referendum.tally}


def trustee_decrypt(*, actor: Any, trustee: Trustee, decryption: Any) -> Trustee:
    """The trustee's partial decryption of the tally: every proof must hold against their
    verification key. Once ``threshold`` trustees have decrypted, the online count is computed."""
    _check_actor(actor, trustee)
    referendum = trustee.referendum
    if referendum.stage != Stage.COUNTING or not referendum.tally:
        raise _refuse(_("The tally is not waiting for decryption."))
    if not isinstance(decryption, dict) or not {"trustee", "factors"} <= decryption.keys():
        raise _refuse(_("This is not what “decrypt” writes: it needs trustee and factors."))
    if decryption.get("trustee") != trustee.index:
        raise _refuse(
            _("This decryption is by trustee %(other)s, and you are trustee %(index)s. Upload your own file.")
            % {"other": decryption.get("trustee"), "index": trustee.index}
        )
    decryption = {"trustee": trustee.index, "factors": decryption["factors"]}
    try:
        holds = protocol.check_partial(referendum.election_hash, trustee.verification_key, referendum.tally, decryption)
    except (TypeError, ValueError, KeyError):
        holds = False
    if not holds:
        raise _refuse(
            _(
                "The proofs of this decryption do not hold: it was made with another key or for another "
                "tally. Run “decrypt” again with the latest tally.json and your own key file."
            )
        )
    with transaction.atomic():
        trustee, referendum = _lock(trustee)
        if referendum.stage != Stage.COUNTING:
            raise _refuse(_("The tally is not waiting for decryption."))
        replaced = bool(trustee.decryption)
        trustee.decryption = decryption
        trustee.decrypted_at = timezone.now()
        trustee.save(update_fields=["decryption", "decrypted_at"])
        audit_record(
            actor=actor,
            action=AuditAction.REF_DECRYPTED,
            subject=trustee,
            agency=referendum.agency,
            extra={"referendum": referendum.pk, "index": trustee.index, "replaced": replaced},
        )
    done = Trustee.objects.filter(referendum=referendum, decrypted_at__isnull=False).count()
    if done >= referendum.threshold:
        result_combine(actor=actor, referendum=referendum)
    trustee.refresh_from_db()
    return trustee
