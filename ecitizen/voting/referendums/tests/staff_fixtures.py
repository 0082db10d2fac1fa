"""Fixtures of referendums (imported by ``tests/conftest.py``, so every referendum test has them).

- ``referendum_people``: the returning officer (a caseworker of City Council) and three trustees
  (caseworkers of City Council), each with MFA; ``admin_a`` (conftest.py) creates referendums and is
  the second person who signs off.
- ``make_referendum(stage, ...)``: a referendum of City Council in any stage, with a *real* election
  key made by three trustees (threshold 2) through ``ecitizen.voting.protocol.trustees``, as their
  tool would; the trustees' secrets are returned so that tests can decrypt. Rows are written
  directly (the setup, the key, the register) so that each part can be tested on its own; opening,
  closing, decrypting and publishing go through the services.
- ``make_voter`` and ``districts`` come from participatory budgeting's fixtures: citizens verified
  against the population register, living in Old Town or Millbrook (or outside).
"""

from __future__ import annotations

import datetime
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

_seq = itertools.count(1)

DEFAULT_QUESTIONS = [("Should the city build a new library?", ["Yes", "No"], 1, 1)]
TRANSLATIONS = {
    "Should the city build a new library?": {
        "es": "¿Debe la ciudad construir una nueva biblioteca?",
        "fr": "La ville doit-elle construire une nouvelle bibliothèque ?",
        "ar": "هل يجب أن تبني المدينة مكتبة جديدة؟",
    },
    "Yes": {"es": "Sí", "fr": "Oui", "ar": "نعم"},
    "No": {"es": "No", "fr": "Non", "ar": "لا"},
}
STAGES = ("draft", "keys", "ready", "open", "counting", "result", "published")
# Days from now of the opening and the close, by stage.
_DATES = {
    "draft": (5, 10),
    "keys": (5, 10),
    "ready": (5, 10),
    "open": (-1, 5),
    "counting": (-10, -1),
    "result": (-10, -1),
    "published": (-10, -1),
}


def texts(english: str) -> dict[str, str]:
    """*english* with the translations the fixtures know."""
    return {"en": english, **TRANSLATIONS.get(english, {})}


@dataclass
class Built:
    """A referendum made by ``make_referendum`` and the secrets tests need: the trustees' sealing
    keys and key shares (by index), and each voter's credential code (by user id)."""

    referendum: Any
    trustees: list[Any]  # users, trustee 1 first
    sealing: dict[int, str] = field(default_factory=dict)  # index -> sealing secret (hex)
    shares: dict[int, str] = field(default_factory=dict)  # index -> x_j (hex)
    codes: dict[int, str] = field(default_factory=dict)  # user id -> credential code

    def refresh(self) -> Any:
        self.referendum.refresh_from_db()
        return self.referendum

    def encrypt(self, user: Any, selections: list[list[int]]) -> dict:
        """A ballot as *user*'s browser would make it (with their credential code)."""
        from ecitizen.voting.protocol import ballots

        referendum = self.refresh()
        ballot, _opening = ballots.encrypt(
            referendum.election, referendum.election_hash, self.codes[user.pk], selections
        )
        return ballot

    def cast(self, user: Any, selections: list[list[int]]) -> Any:
        """Put *user*'s ballot on the board directly (checked first), replacing their last one and
        marking them as having voted online. For tests of what comes after casting."""
        from ecitizen.voting.protocol import ballots
        from ecitizen.voting.referendums.models import BoardBallot, Channel, ElectorateEntry

        referendum = self.referendum
        ballot = self.encrypt(user, selections)
        checked = ballots.check(referendum.election, referendum.election_hash, ballot, None)
        n = (
            BoardBallot.objects.filter(referendum=referendum).order_by("-n").values_list("n", flat=True).first() or 0
        ) + 1
        BoardBallot.objects.filter(
            referendum=referendum, credential=checked.credential, replaced_by__isnull=True
        ).update(replaced_by=n)
        row = BoardBallot.objects.create(
            referendum=referendum,
            n=n,
            credential=checked.credential,
            ballot=json.dumps(ballot),
            hash=checked.hash,
            tracker=checked.tracker.replace("-", ""),  # stored without dashes (20 characters)
        )
        ElectorateEntry.objects.filter(referendum=referendum, user=user, channel="").update(channel=Channel.ONLINE)
        return row

    def decryption(self, index: int) -> dict:
        """Trustee *index*'s partial decryption of the tally, as ``trustee decrypt`` writes it."""
        from ecitizen.voting.protocol import trustees

        referendum = self.refresh()
        return trustees.partial_decrypt(referendum.election_hash, index, self.shares[index], referendum.tally)


def make_key(referendum: Any, trustee_rows: list[Any]) -> tuple[dict[int, str], dict[int, str]]:
    """Run the trustees' key generation for *referendum* (every step as the trustee tool does it)
    and store the public messages. Returns (sealing secrets, key shares) by index."""
    from ecitizen.voting.protocol import trustees

    uuid, t = str(referendum.uuid), referendum.threshold
    sealing, public = {}, {}
    for row in trustee_rows:
        sealing[row.index], public[row.index] = trustees.new_sealing_keypair()
    deals = [trustees.deal(uuid, row.index, t, public) for row in trustee_rows]
    shares = {}
    now = timezone.now()
    for row, deal in zip(trustee_rows, deals, strict=True):
        x, y = trustees.confirm(uuid, row.index, t, deals, sealing[row.index])
        shares[row.index] = x
        row.sealing_key, row.deal, row.verification_key, row.confirmed_at = public[row.index], deal, y, now
        row.save()
    referendum.public_key = trustees.public_key(deals)
    referendum.save(update_fields=["public_key"])
    return sealing, shares


def _staff(make_user, with_mfa, agency, email: str, role: str = "caseworker"):
    from ecitizen.agencies.models import Membership

    user = make_user(email)
    Membership.objects.create(user=user, agency=agency, role=role)
    with_mfa(user)
    return user


def make_people(make_user, with_mfa, agency, admin, *, domain: str = "council.example") -> dict:
    """``{"officer", "trustees": [3 users], "admin"}``: the returning officer and three trustees,
    caseworkers of *agency* with MFA, and *admin* (an agency admin, the second signer)."""
    return {
        "officer": _staff(make_user, with_mfa, agency, f"officer@{domain}"),
        "trustees": [_staff(make_user, with_mfa, agency, f"trustee{i}@{domain}") for i in (1, 2, 3)],
        "admin": admin,
    }


@pytest.fixture
def referendum_people(make_user, with_mfa, agency_a, admin_a):
    """``{"officer", "trustees": [3 users], "admin"}`` of City Council, each with MFA."""
    return make_people(make_user, with_mfa, agency_a, admin_a)


@pytest.fixture
def make_referendum(agency_a, referendum_people):
    """``make_referendum(stage="draft", *, questions=[(text, [options], min, max)], n=3, threshold=2,
    voters=[user or (user, area)], ballots=[(user, selections)], paper=[user], **fields) -> Built``.

    *voters* are put in the frozen electorate (each with a credential code, in ``Built.codes``)
    when the stage is ``open`` or later; *ballots* are cast for them directly and *paper* voters are
    marked as having voted on paper, before the close. Dates follow the stage (``_DATES``)."""

    def make(stage: str = "draft", **kwargs) -> Built:
        return build_referendum(referendum_people, stage, agency=agency_a, **kwargs)

    return make


def build_referendum(
    referendum_people: dict,
    stage: str = "draft",
    *,
    agency: Any,
    questions=None,
    n: int = 3,
    threshold: int = 2,
    voters=(),
    ballots=(),
    paper=(),
    **fields,
) -> Built:
    """What ``make_referendum`` makes, for code that has no fixtures (the audit scenarios)."""
    from ecitizen.voting.budgeting.eligibility import voter_key_for
    from ecitizen.voting.protocol import credentials, hashing
    from ecitizen.voting.referendums import opening_services, result_services, setup_services
    from ecitizen.voting.referendums.models import (
        Channel,
        ElectorateEntry,
        Option,
        PublicCredential,
        Question,
        Referendum,
        SignOff,
        SignOffStage,
        Stage,
        Trustee,
    )

    assert stage in STAGES, stage
    now = timezone.now()
    opens, closes = _DATES[stage]
    number = next(_seq)
    values = {
        "agency": agency,
        "title": texts(f"Library referendum {number}"),
        "description": {"en": "The city asks whether to build a new library."},
        "opens_at": now + datetime.timedelta(days=opens),
        "closes_at": now + datetime.timedelta(days=closes),
        "returning_officer": referendum_people["officer"],
        "created_by": referendum_people["admin"],
        "trustee_count": n,
        "threshold": threshold,
        "min_age": 16,
        "residents_only": False,
        "identity_level": "verified",
    }
    districts = fields.pop("districts", None)
    values.update(fields)
    referendum = Referendum.objects.create(**values)
    if districts:
        referendum.districts.set(districts)
    for position, (text, options, low, high) in enumerate(questions or DEFAULT_QUESTIONS):
        question = Question.objects.create(
            referendum=referendum, position=position, text=texts(text), min_choices=low, max_choices=high
        )
        for k, label in enumerate(options):
            Option.objects.create(question=question, position=k, label=texts(label))
    people = list(referendum_people["trustees"])
    while len(people) < n:
        from ecitizen.agencies.models import Membership

        extra = type(people[0]).objects.create_user(email=f"trustee{len(people) + 1}-{number}@council.example")
        Membership.objects.create(user=extra, agency=agency, role="caseworker")
        people.append(extra)
    rows = [Trustee.objects.create(referendum=referendum, index=i, user=u) for i, u in enumerate(people[:n], 1)]
    built = Built(referendum=referendum, trustees=people[:n])
    if stage == "draft":
        return built
    referendum.stage = Stage.KEYS
    referendum.save(update_fields=["stage"])
    if stage == "keys":
        return built
    built.sealing, built.shares = make_key(referendum, rows)
    digest = setup_services.setup_digest(referendum)
    for user, officer in ((referendum_people["officer"], True), (referendum_people["admin"], False)):
        SignOff.objects.create(
            referendum=referendum,
            stage=SignOffStage.SETUP,
            user=user,
            as_returning_officer=officer,
            digest=digest,
        )
    referendum.stage = Stage.READY
    referendum.save(update_fields=["stage"])
    if stage == "ready":
        return built
    # Opened: the electorate is the voters given, each with a credential.
    referendum.election = opening_services.election_record(referendum)
    referendum.election_hash = hashing.election_hash(referendum.election)
    uuid = str(referendum.uuid)
    public = []
    for voter in voters:
        user, area = voter if isinstance(voter, tuple) else (voter, None)
        code = credentials.new_code()
        built.codes[user.pk] = code
        public.append(credentials.public_credential(uuid, code))
        ElectorateEntry.objects.create(
            referendum=referendum, voter_key=voter_key_for(user), user=user, district=area, credential_sent=True
        )
    for credential in sorted(public):
        PublicCredential.objects.create(referendum=referendum, credential=credential)
    referendum.opened_at = referendum.opens_at
    referendum.electorate_size = len(voters)
    referendum.credentials_issued = len(public)
    referendum.stage = Stage.OPEN
    referendum.save()
    for user, selections in ballots:
        built.cast(user, selections)
    for user in paper:
        ElectorateEntry.objects.filter(referendum=referendum, user=user).update(
            channel=Channel.PAPER, final_at=referendum.opens_at, marked_by=referendum_people["officer"]
        )
    if stage == "open":
        return built
    opening_services.close_and_tally(referendum)
    built.refresh()
    if stage == "counting":
        return built
    from ecitizen.voting.protocol import trustees

    for row in rows[:threshold]:
        row.decryption = trustees.partial_decrypt(
            referendum.election_hash, row.index, built.shares[row.index], referendum.tally
        )
        row.decrypted_at = timezone.now()
        row.save(update_fields=["decryption", "decrypted_at"])
    result_services.result_combine(actor=None, referendum=referendum)
    built.refresh()
    if stage == "result":
        return built
    digest = result_services.result_digest(referendum)
    result_services.result_sign_off(actor=referendum_people["officer"], referendum=referendum, digest=digest)
    result_services.result_sign_off(actor=referendum_people["admin"], referendum=referendum, digest=digest)
    result_services.result_publish(actor=referendum_people["officer"], referendum=referendum)
    built.refresh()
    return built


# --- audit scenarios (tests/audit_scenarios.py merges AUDIT_SCENARIOS) -----------------------------
# One scenario per audit action of the staff side (see tests/audit_scenarios.py for the shape):
# each builds what it needs with the World's personas and returns the thunk that performs the action
# once through its service, with the actor, subject and agency its row must name.


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _world_people(w) -> dict:
    return w._once(
        "referendum_people",
        lambda: make_people(w.make_user, w.with_mfa, w.agency_a, w.admin_a, domain="referendum.example"),
    )


def _world_referendum(w, stage: str, **kwargs) -> Built:
    return build_referendum(_world_people(w), stage, agency=w.agency_a, **kwargs)


def _world_trustee(built: Built, index: int):
    return built.referendum.trustees.get(index=index)


def _scenario_saved(w):
    from ecitizen.voting.referendums import setup_services

    people = _world_people(w)
    data = setup_services.ReferendumData(
        title={"en": "Audit referendum"},
        opens_at=timezone.now() + datetime.timedelta(days=5),
        closes_at=timezone.now() + datetime.timedelta(days=10),
        returning_officer=people["officer"],
        trustees=people["trustees"],
        threshold=2,
    )

    def act():
        referendum = setup_services.referendum_create(actor=w.admin_a, agency=w.agency_a, data=data)
        return _expect(actor=w.admin_a, subject=referendum, agency=w.agency_a)

    return act


def _scenario_registered(w):
    from ecitizen.voting.protocol import trustees
    from ecitizen.voting.referendums import trustee_services

    built = _world_referendum(w, "keys")
    trustee = _world_trustee(built, 1)
    _secret, public = trustees.new_sealing_keypair()

    def act():
        trustee_services.trustee_register(actor=trustee.user, trustee=trustee, registration={"sealing_key": public})
        return _expect(actor=trustee.user, subject=trustee, agency=w.agency_a)

    return act


def _registered(w) -> tuple[Built, dict[int, str]]:
    from ecitizen.voting.protocol import trustees
    from ecitizen.voting.referendums import trustee_services

    built = _world_referendum(w, "keys")
    secrets = {}
    for row in built.referendum.trustees.order_by("index"):
        secrets[row.index], public = trustees.new_sealing_keypair()
        trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": public})
    return built, secrets


def _scenario_dealt(w):
    from ecitizen.voting.protocol import trustees
    from ecitizen.voting.referendums import trustee_services

    built, _secrets = _registered(w)
    trustee = _world_trustee(built, 1)
    keys = dict(built.referendum.trustees.values_list("index", "sealing_key"))
    deal = trustees.deal(str(built.referendum.uuid), 1, built.referendum.threshold, keys)

    def act():
        trustee_services.trustee_deal(actor=trustee.user, trustee=trustee, deal=deal)
        return _expect(actor=trustee.user, subject=trustee, agency=w.agency_a)

    return act


def _scenario_confirmed(w):
    from ecitizen.voting.protocol import trustees
    from ecitizen.voting.referendums import trustee_services

    built, secrets = _registered(w)
    referendum = built.referendum
    keys = dict(referendum.trustees.values_list("index", "sealing_key"))
    for row in referendum.trustees.order_by("index"):
        deal = trustees.deal(str(referendum.uuid), row.index, referendum.threshold, keys)
        trustee_services.trustee_deal(actor=row.user, trustee=row, deal=deal)
    trustee = _world_trustee(built, 1)
    sheet = trustee_services.deals_json(trustee)
    _x, y = trustees.confirm(sheet["uuid"], 1, sheet["threshold"], sheet["deals"], secrets[1])

    def act():
        trustee_services.trustee_confirm(actor=trustee.user, trustee=trustee, confirmation={"verification_key": y})
        return _expect(actor=trustee.user, subject=trustee, agency=w.agency_a)

    return act


def _scenario_signed_off(w):
    from ecitizen.voting.referendums import setup_services

    built = _world_referendum(w, "keys")
    officer = _world_people(w)["officer"]
    referendum = built.referendum

    def act():
        setup_services.setup_sign_off(
            actor=officer, referendum=referendum, digest=setup_services.setup_digest(referendum)
        )
        return _expect(actor=officer, subject=referendum, agency=w.agency_a)

    return act


def _scenario_opened(w):
    from ecitizen.voting.referendums import opening_services

    built = _world_referendum(w, "ready")
    referendum = built.referendum
    referendum.opens_at = timezone.now() - datetime.timedelta(minutes=5)
    referendum.save(update_fields=["opens_at"])

    def act():
        opening_services.open_referendum(referendum)
        return _expect(actor=None, subject=referendum, agency=w.agency_a)

    return act


def _scenario_paper_issued(w):
    from ecitizen.exchange.selectors import national_id_blind_index
    from ecitizen.voting.referendums import counter_services
    from ecitizen.voting.referendums.models import ElectorateEntry

    built = _world_referendum(w, "open")
    national_id = f"RF-{next(_seq):06d}-Q"
    entry = ElectorateEntry.objects.create(referendum=built.referendum, voter_key=national_id_blind_index(national_id))
    clerk = w.staff("caseworker")

    def act():
        counter_services.paper_issue(actor=clerk, referendum=built.referendum, national_id=national_id)
        return _expect(actor=clerk, subject=entry, agency=w.agency_a)

    return act


def _counting_with_paper(w, marks: int = 1) -> Built:
    from ecitizen.voting.referendums.models import ElectorateEntry

    built = _world_referendum(w, "counting")
    for _ in range(marks):
        ElectorateEntry.objects.create(referendum=built.referendum, voter_key=f"audit:{next(_seq)}", channel="paper")
    return built


def _scenario_sheet_entered(w):
    from ecitizen.voting.referendums import counter_services

    built = _counting_with_paper(w)
    clerk = w.staff("caseworker")

    def act():
        sheet = counter_services.sheet_enter(actor=clerk, referendum=built.referendum, sheet_number="A1", choices=[[0]])
        return _expect(actor=clerk, subject=sheet, agency=w.agency_a)

    return act


def _second_entry(w, marks):
    from ecitizen.voting.referendums import counter_services

    built = _counting_with_paper(w)
    counter_services.sheet_enter(
        actor=w.staff("caseworker"), referendum=built.referendum, sheet_number="A1", choices=[[0]]
    )
    clerk = w.staff("caseworker")

    def act():
        sheet = counter_services.sheet_enter(actor=clerk, referendum=built.referendum, sheet_number="A1", choices=marks)
        return _expect(actor=clerk, subject=sheet, agency=w.agency_a)

    return act


def _scenario_tallied(w):
    from ecitizen.voting.referendums import opening_services

    built = _world_referendum(w, "open")
    referendum = built.referendum
    referendum.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    referendum.opens_at = timezone.now() - datetime.timedelta(days=3)
    referendum.save(update_fields=["opens_at", "closes_at"])

    def act():
        assert opening_services.close_and_tally(referendum)
        return _expect(actor=None, subject=referendum, agency=w.agency_a)

    return act


def _scenario_decrypted(w):
    from ecitizen.voting.referendums import trustee_services

    built = _world_referendum(w, "counting")
    trustee = _world_trustee(built, 1)
    decryption = built.decryption(1)

    def act():
        trustee_services.trustee_decrypt(actor=trustee.user, trustee=trustee, decryption=decryption)
        return _expect(actor=trustee.user, subject=trustee, agency=w.agency_a)

    return act


def _scenario_result_computed(w):
    from ecitizen.voting.referendums import result_services

    built = _world_referendum(w, "counting")
    referendum = built.referendum
    for index in (1, 2):
        row = _world_trustee(built, index)
        row.decryption, row.decrypted_at = built.decryption(index), timezone.now()
        row.save(update_fields=["decryption", "decrypted_at"])
    trustee = _world_trustee(built, 2)

    def act():
        assert result_services.result_combine(actor=trustee.user, referendum=referendum)
        return _expect(actor=trustee.user, subject=referendum, agency=w.agency_a)

    return act


def _scenario_published(w):
    from ecitizen.voting.referendums import result_services

    built = _world_referendum(w, "result")
    referendum = built.referendum
    people = _world_people(w)
    digest = result_services.result_digest(referendum)
    for signer in (people["officer"], people["admin"]):
        result_services.result_sign_off(actor=signer, referendum=referendum, digest=digest)

    def act():
        result_services.result_publish(actor=people["officer"], referendum=referendum)
        return _expect(actor=people["officer"], subject=referendum, agency=w.agency_a)

    return act


def audit_scenarios() -> dict:
    """{action: scenario} of the staff side, for SCENARIOS in tests/audit_scenarios.py."""
    from ecitizen.core.models import AuditAction as A

    return {
        A.REF_SAVED: _scenario_saved,
        A.REF_TRUSTEE_REGISTERED: _scenario_registered,
        A.REF_TRUSTEE_DEALT: _scenario_dealt,
        A.REF_TRUSTEE_CONFIRMED: _scenario_confirmed,
        A.REF_SIGNED_OFF: _scenario_signed_off,
        A.REF_OPENED: _scenario_opened,
        A.REF_PAPER_ISSUED: _scenario_paper_issued,
        A.REF_SHEET_ENTERED: _scenario_sheet_entered,
        A.REF_SHEET_CONFIRMED: lambda w: _second_entry(w, [[0]]),
        A.REF_SHEET_MISMATCH: lambda w: _second_entry(w, [[1]]),
        A.REF_TALLIED: _scenario_tallied,
        A.REF_DECRYPTED: _scenario_decrypted,
        A.REF_RESULT_COMPUTED: _scenario_result_computed,
        A.REF_PUBLISHED: _scenario_published,
    }
