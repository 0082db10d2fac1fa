"""Demo referendums of the City Council, made through the referendums' services:

- "Central library referendum" (finished): one question, played out on the dates it happened
  (about two months ago): set up and signed off, the three trustees make the key, voting opens
  (electorate frozen, credentials issued), residents vote online (three vote again, one votes by
  the assisted path), two vote on paper at a counter, the sheets are typed in twice, two trustees
  decrypt, the result is signed off and published with its board.
- "Car-free Sundays referendum" (voting now): two questions (yes or no; then up to two of four
  changes), ballots on the board, a re-vote, one voter marked at a counter. Amina is in the
  electorate and has not voted: her credential code is kept in ``var/demo-trustees/`` and printed
  by ``make run`` so that the demo can be tried; in a real deployment codes go only to the voters'
  inboxes and are kept nowhere.

The trustees are the council's admin (returning officer's second signer), caseworker (returning
officer) and moderator, threshold 2. Their tool's steps are run here with
:mod:`ecitizen.voting.protocol.trustees`, as ``python -m ecitizen.voting.trustee`` would run them on
their own computers, and the results uploaded through the trustee services. For the open
referendum the trustees' key files are written to ``var/demo-trustees/`` so that an operator can try
the decryption after the close with the trustee tool.

The demo captures the credential emails at opening instead of sending them, to cast the synthetic
voters' ballots and to print Amina's code. Needs ``time-machine`` (development requirements), like
the budgeting demo; idempotent: a referendum is made only if none has its English title yet.
"""

from __future__ import annotations

import datetime
import json
import os
import random
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.utils import timezone

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency
from ecitizen.exchange.selectors import population_record_for
from ecitizen.voting.protocol import ballots, trustees
from ecitizen.voting.referendums import (
    ballot_services,
    counter_services,
    opening_services,
    result_services,
    setup_services,
    trustee_services,
)
from ecitizen.voting.referendums.models import Referendum

ADMIN = "admin@council.example"
CASEWORKER = "caseworker@council.example"
MODERATOR = "moderator@council.example"
AMINA = "amina@example.org"
FINISHED = "Central library referendum"
OPEN = "Car-free Sundays referendum"

FINISHED_TEXTS = {
    "title": {
        "en": FINISHED,
        "es": "Referéndum sobre la biblioteca central",
        "fr": "Référendum sur la bibliothèque centrale",
        "ar": "استفتاء المكتبة المركزية",
    },
    "description": {
        "en": "Should the council borrow 12 million to build a new central library on the old bus depot site?",
        "es": "¿Debe el ayuntamiento pedir un préstamo de 12 millones para construir una nueva biblioteca central?",
        "fr": "La ville doit-elle emprunter 12 millions pour construire une nouvelle bibliothèque centrale ?",
        "ar": "هل يجب أن يقترض المجلس 12 مليونًا لبناء مكتبة مركزية جديدة؟",
    },
}
FINISHED_QUESTIONS = [
    (
        {
            "en": "Should the council build a new central library?",
            "es": "¿Debe el ayuntamiento construir una nueva biblioteca central?",
            "fr": "La ville doit-elle construire une nouvelle bibliothèque centrale ?",
            "ar": "هل يجب أن يبني المجلس مكتبة مركزية جديدة؟",
        },
        [{"en": "Yes", "es": "Sí", "fr": "Oui", "ar": "نعم"}, {"en": "No", "es": "No", "fr": "Non", "ar": "لا"}],
        1,
        1,
    )
]
OPEN_TEXTS = {
    "title": {
        "en": OPEN,
        "es": "Referéndum sobre los domingos sin coches",
        "fr": "Référendum sur les dimanches sans voitures",
        "ar": "استفتاء أيام الأحد بدون سيارات",
    },
    "description": {
        "en": "Close the town centre to cars on Sundays from 10:00 to 18:00, with buses and deliveries still allowed.",
        "es": "Cerrar el centro a los coches los domingos de 10:00 a 18:00; autobuses y repartos sí podrán pasar.",
        "fr": "Fermer le centre-ville aux voitures le dimanche de 10 h à 18 h, bus et livraisons autorisés.",
        "ar": "إغلاق وسط المدينة أمام السيارات أيام الأحد من 10:00 إلى 18:00، مع السماح للحافلات والتوصيل.",
    },
}
OPEN_QUESTIONS = [
    (
        {
            "en": "Should the town centre be car-free on Sundays?",
            "es": "¿Debe el centro estar libre de coches los domingos?",
            "fr": "Le centre-ville doit-il être sans voitures le dimanche ?",
            "ar": "هل يجب أن يكون وسط المدينة خاليًا من السيارات أيام الأحد؟",
        },
        [{"en": "Yes", "es": "Sí", "fr": "Oui", "ar": "نعم"}, {"en": "No", "es": "No", "fr": "Non", "ar": "لا"}],
        1,
        1,
    ),
    (
        {
            "en": "Whatever the answer, which changes should come first? Choose up to two.",
            "es": "Sea cual sea la respuesta, ¿qué cambios deben llegar primero? Elija hasta dos.",
            "fr": "Quelle que soit la réponse, quels changements en premier ? Choisissez-en deux au plus.",
            "ar": "مهما كانت الإجابة، ما التغييرات التي يجب أن تأتي أولًا؟ اختر اثنين على الأكثر.",
        },
        [
            {"en": "More benches and shade", "es": "Más bancos y sombra", "fr": "Plus de bancs et d'ombre"},
            {"en": "Safer cycle lanes", "es": "Carriles bici más seguros", "fr": "Des pistes cyclables plus sûres"},
            {"en": "More frequent Sunday buses", "es": "Más autobuses los domingos", "fr": "Plus de bus le dimanche"},
            {"en": "A weekly street market", "es": "Un mercado semanal", "fr": "Un marché hebdomadaire"},
        ],
        0,
        2,
    ),
]


def _user(email: str) -> User:
    return User.objects.get(email=email)


@contextmanager
def _at(moment: datetime.datetime):
    import time_machine

    with time_machine.travel(moment, tick=False):
        yield


def _midnight() -> datetime.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _setup(agency, admin, officer, trustee_users, texts, questions, opens_at, closes_at) -> Referendum:
    data = setup_services.ReferendumData(
        title=texts["title"],
        description=texts["description"],
        opens_at=opens_at,
        closes_at=closes_at,
        returning_officer=officer,
        trustees=trustee_users,
        threshold=2,
        min_age=16,
        residents_only=True,
    )
    referendum = setup_services.referendum_create(actor=admin, agency=agency, data=data)
    for text, options, low, high in questions:
        setup_services.question_save(
            actor=admin,
            referendum=referendum,
            data=setup_services.QuestionData(text=text, options=options, min_choices=low, max_choices=high),
        )
    return setup_services.key_generation_start(actor=admin, referendum=referendum)


def _make_key(referendum: Referendum) -> dict[int, dict]:
    """The trustees' three steps, as their tool runs them, uploaded through the services. Returns
    each trustee's key file (the tool's KEY.json) by index."""
    rows = list(referendum.trustees.select_related("user").order_by("index"))
    keys = {}
    for row in rows:
        secret, public = trustees.new_sealing_keypair()
        keys[row.index] = {"format": "ecitizen-trustee-key/1", "sealing_secret": secret, "sealing_key": public}
        trustee_services.trustee_register(actor=row.user, trustee=row, registration={"sealing_key": public})
    for row in rows:
        row.refresh_from_db()
        setup = trustee_services.setup_json(row)
        sealing = {int(t["index"]): t["sealing_key"] for t in setup["trustees"]}
        deal = trustees.deal(setup["uuid"], row.index, setup["threshold"], sealing)
        keys[row.index].update(
            {
                "index": row.index,
                "uuid": setup["uuid"],
                "threshold": setup["threshold"],
                "trustees": len(sealing),
                "commitments": deal["commitments"],
            }
        )
        trustee_services.trustee_deal(actor=row.user, trustee=row, deal=deal)
    for row in rows:
        row.refresh_from_db()
        given = trustee_services.deals_json(row)
        share, verification_key = trustees.confirm(
            given["uuid"],
            row.index,
            given["threshold"],
            given["deals"],
            keys[row.index]["sealing_secret"],
            own_commitments=keys[row.index]["commitments"],
            trustee_count=keys[row.index]["trustees"],
        )
        keys[row.index].update({"share": share, "verification_key": verification_key})
        trustee_services.trustee_confirm(
            actor=row.user, trustee=row, confirmation={"index": row.index, "verification_key": verification_key}
        )
    public_key = Referendum.objects.values_list("public_key", flat=True).get(pk=referendum.pk)
    for key in keys.values():
        key["public_key"] = public_key
    return keys


def _sign_setup(referendum: Referendum, officer, second) -> None:
    referendum.refresh_from_db()
    digest = setup_services.setup_digest(referendum)
    for signer in (officer, second):
        setup_services.setup_sign_off(actor=signer, referendum=referendum, digest=digest)


def _open(referendum: Referendum) -> dict[str, str]:
    """Open the referendum, keeping the credential codes by email instead of sending them."""
    captured: dict[str, str] = {}

    def capture(_referendum, mails):
        captured.update({email: code for email, _language, code in mails})
        return len(mails)

    with (
        mock.patch.object(opening_services, "credentials_send", capture),
        mock.patch.object(opening_services.transaction, "on_commit", lambda fn, *a, **k: fn()),
    ):
        opening_services.open_referendum(Referendum.objects.get(pk=referendum.pk))
    return captured


def _selections(referendum: Referendum, rng: random.Random, yes_share: float) -> list[list[int]]:
    picks = []
    for question in referendum.election["questions"]:
        options = len(question["options"])
        if question["max"] == 1:
            picks.append([0 if rng.random() < yes_share else 1])
        else:
            picks.append(sorted(rng.sample(range(options), rng.randint(question["min"], question["max"]))))
    return picks


def _cast(referendum: Referendum, codes: dict[str, str], emails: list[str], rng, yes_share: float) -> int:
    referendum.refresh_from_db()
    cast = 0
    for email in emails:
        user = User.objects.get(email=email)
        ballot, _opening = ballots.encrypt(
            referendum.election, referendum.election_hash, codes[email], _selections(referendum, rng, yes_share)
        )
        ballot_services.cast(referendum, user, json.dumps(ballot))
        cast += 1
    return cast


def _paper_voters(referendum: Referendum, count: int) -> list[str]:
    """National IDs of electors who have not voted, for the counter."""
    from ecitizen.exchange.services import synthetic_people
    from ecitizen.voting.budgeting.eligibility import bound_national_id_index

    unmarked = {
        e.user_id
        for e in referendum.electorate.filter(channel="", user__isnull=False).select_related("user__profile")
        if bound_national_id_index(e.user.profile)
    }
    found = []
    by_index = {}
    for person in synthetic_people(600):
        record = population_record_for(person.national_id)
        if record is not None:
            by_index[record.national_id_index] = person.national_id
    for entry in referendum.electorate.filter(user_id__in=unmarked).select_related("user__profile").order_by("pk"):
        national_id = by_index.get(entry.user.profile.national_id_index)
        if national_id and entry.user.email != AMINA:
            found.append(national_id)
        if len(found) == count:
            break
    return found


def _finished(agency, admin, caseworker, moderator, rng) -> str:
    day = _midnight()
    opens = day - datetime.timedelta(days=60)
    closes = day - datetime.timedelta(days=46)
    with _at(opens - datetime.timedelta(days=14)):
        referendum = _setup(
            agency, admin, caseworker, [admin, caseworker, moderator], FINISHED_TEXTS, FINISHED_QUESTIONS, opens, closes
        )
    with _at(opens - datetime.timedelta(days=10)):
        keys = _make_key(referendum)
    with _at(opens - datetime.timedelta(days=7)):
        _sign_setup(referendum, caseworker, admin)
    with _at(opens + datetime.timedelta(hours=1)):
        codes = _open(referendum)
    referendum.refresh_from_db()
    voters = sorted(e for e in codes if e != AMINA)
    online, assisted = voters[:-4], voters[-4]
    with _at(opens + datetime.timedelta(days=2)):
        cast = _cast(referendum, codes, online, rng, yes_share=0.62)
    with _at(opens + datetime.timedelta(days=6)):
        cast += _cast(referendum, codes, online[:3], rng, yes_share=0.5)  # three change their minds
        ballot_services.cast_assisted(referendum, _user(assisted), codes[assisted], [[0]])
        paper = _paper_voters(referendum, 2)
        for national_id in paper:
            counter_services.paper_issue(actor=caseworker, referendum=referendum, national_id=national_id)
    with _at(closes + datetime.timedelta(minutes=10)):
        opening_services.close_and_tally(Referendum.objects.get(pk=referendum.pk))
        referendum.refresh_from_db()
        for number, marks in (("CC-0001", [[0]]), ("CC-0002", [[1]]))[: len(paper)]:
            for clerk in (caseworker, admin):
                counter_services.sheet_enter(
                    actor=clerk, referendum=referendum, sheet_number=number, choices=marks, spoilt=False
                )
    with _at(closes + datetime.timedelta(days=1)):
        referendum.refresh_from_db()
        for index in (1, 3):
            row = referendum.trustees.select_related("user").get(index=index)
            decryption = trustees.partial_decrypt(
                referendum.election_hash, index, keys[index]["share"], referendum.tally
            )
            trustee_services.trustee_decrypt(actor=row.user, trustee=row, decryption=decryption)
        referendum.refresh_from_db()
        if referendum.stage != "result":
            result_services.result_combine(actor=caseworker, referendum=referendum)
    with _at(closes + datetime.timedelta(days=2)):
        referendum.refresh_from_db()
        digest = result_services.result_digest(referendum)
        for signer in (caseworker, admin):
            result_services.result_sign_off(actor=signer, referendum=referendum, digest=digest)
        result_services.result_publish(actor=caseworker, referendum=referendum)
    referendum.refresh_from_db()
    totals = referendum.result.get("totals", [[0, 0]])[0]
    on_board = referendum.board.count()
    return f"{FINISHED} (published: yes {totals[0]}, no {totals[1]}; {on_board} ballots on the board)"


def _write_trustee_keys(referendum: Referendum, keys: dict[int, dict]) -> str:
    folder = Path(settings.BASE_DIR) / "var" / "demo-trustees"
    folder.mkdir(parents=True, exist_ok=True)
    for index, key in keys.items():
        path = folder / f"referendum-{referendum.pk}-trustee-{index}.json"
        path.write_text(json.dumps(key, indent=2, sort_keys=True) + "\n")
        os.chmod(path, 0o600)
    return str(folder)


def _open_now(agency, admin, caseworker, moderator, rng) -> str:
    day = _midnight()
    opens = day - datetime.timedelta(days=2)
    closes = day + datetime.timedelta(days=12)
    with _at(opens - datetime.timedelta(days=10)):
        referendum = _setup(
            agency, admin, caseworker, [admin, caseworker, moderator], OPEN_TEXTS, OPEN_QUESTIONS, opens, closes
        )
    with _at(opens - datetime.timedelta(days=8)):
        keys = _make_key(referendum)
    with _at(opens - datetime.timedelta(days=5)):
        _sign_setup(referendum, caseworker, admin)
    with _at(opens + datetime.timedelta(minutes=5)):
        codes = _open(referendum)
    referendum.refresh_from_db()
    voters = sorted(e for e in codes if e != AMINA)[:30]
    with _at(opens + datetime.timedelta(days=1)):
        cast = _cast(referendum, codes, voters, rng, yes_share=0.55)
        cast += _cast(referendum, codes, voters[:1], rng, yes_share=0.55)
        for national_id in _paper_voters(referendum, 1):
            counter_services.paper_issue(actor=caseworker, referendum=referendum, national_id=national_id)
    folder = _write_trustee_keys(referendum, keys)
    if AMINA in codes:
        (Path(folder) / "amina-credential.txt").write_text(codes[AMINA] + "\n")
    return f"{OPEN} (voting open, {cast} ballots on the board, one paper ballot handed out; trustee keys in {folder})"


def demo_credential_code() -> str:
    """Amina's credential code for the open referendum, kept by the demo in var/demo-trustees/ so
    that every ``make run`` can print it ("" when the demo did not make it)."""
    path = Path(settings.BASE_DIR) / "var" / "demo-trustees" / "amina-credential.txt"
    return path.read_text().strip() if path.exists() else ""


def demo_referendums_load() -> list[str]:
    """Load the demo referendums (each only once); returns a line per referendum."""
    try:
        import time_machine  # noqa: F401
    except ImportError:  # pragma: no cover - production installs without the development requirements
        return ["skipped (needs time-machine)"]
    agency = Agency.objects.get(slug="city-council")
    admin, caseworker, moderator = _user(ADMIN), _user(CASEWORKER), _user(MODERATOR)
    rng = random.Random(2026)  # noqa: S311 - made-up demo data, the same every time
    existing = {pick.get("en") for pick in Referendum.objects.filter(agency=agency).values_list("title", flat=True)}
    done = []
    # The synthetic voters' tracker emails are not sent: they would only fill the console.
    with mock.patch.object(ballot_services, "_email_tracker", lambda *args, **kwargs: None):
        if FINISHED not in existing:
            done.append(_finished(agency, admin, caseworker, moderator, rng))
        if OPEN not in existing:
            done.append(_open_now(agency, admin, caseworker, moderator, rng))
    return done or ["already loaded"]
