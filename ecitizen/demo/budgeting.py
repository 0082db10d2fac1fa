"""Demo participatory budgets of the City Council, made through budgeting's services:

- "Neighbourhood budget 2026" (finished): Old Town and Riverside, approval ballots (up to 4
  projects), counted by the Method of Equal Shares, results published, funded projects being
  built with milestones, progress and spending; Amina follows one of them. Its whole life is
  played out on the dates it happened (about eleven months ago), so it needs ``time-machine``
  (in the development requirements); without it this process is skipped.
- "Neighbourhood budget 2027" (voting now): the same two districts, knapsack ballots (choose
  projects whose total fits the district's budget), ideas reviewed (accepted, one rejected with a
  reason, two merged), ballots from residents, and one paper ballot entered once at a counter,
  waiting for a second member of staff. Amina (Riverside) has not voted yet.
- "Hillcrest youth budget" (collecting ideas): a few ideas with supports.

Voters are people of the demo population register with accounts ``voter<N>@example.net`` (no
password), verified against the register, living at addresses of the demo address register. The
homes of the demo citizens are added to the address register in Riverside and Old Town, so that
they can vote as residents. Idempotent: a process is made only if no process has its title yet.
"""

from __future__ import annotations

import datetime
import random
import uuid
from contextlib import contextmanager

from allauth.account.models import EmailAddress
from django.utils import timezone

from ecitizen.accounts.models import Profile, User
from ecitizen.accounts.services import identity_verify_with_register, profile_update
from ecitizen.agencies.models import Agency
from ecitizen.exchange.models import Address
from ecitizen.exchange.selectors import population_record_for
from ecitizen.exchange.services import address_register_load, synthetic_people
from ecitizen.reports.models import Area
from ecitizen.voting.budgeting import (
    ballot_services,
    idea_services,
    implementation_services,
    process_services,
    result_services,
)
from ecitizen.voting.budgeting.models import BallotStyle, Process, Project, ProjectStatus, Rule

ADMIN = "admin@council.example"
CASEWORKER = "caseworker@council.example"
AMINA = "amina@example.org"
FINISHED = "Neighbourhood budget 2026"
VOTING = "Neighbourhood budget 2027"
IDEAS = "Hillcrest youth budget"

# The demo citizens' homes (ecitizen/demo/addresses.py), placed in the demo address register.
HOMES = [
    {
        "uprn": "990000000001",
        "line": "12 River Street",
        "street": "River Street",
        "number": "12",
        "locality": "Riverside",
        "town": "Riverton",
        "postcode": "RV1 4AB",
        "latitude": 52.0312,
        "longitude": 0.0305,
    },
    {
        "uprn": "990000000002",
        "line": "Flat 4A, Mill Court",
        "street": "Mill Court",
        "number": "Flat 4A",
        "locality": "Old Town",
        "town": "Riverton",
        "postcode": "RV2 7DE",
        "latitude": 52.0287,
        "longitude": 0.0074,
    },
    {
        "uprn": "990000000003",
        "line": "7 Orchard Lane",
        "street": "Orchard Lane",
        "number": "7",
        "locality": "Riverside",
        "town": "Riverton",
        "postcode": "RV3 1FG",
        "latitude": 52.0268,
        "longitude": 0.0352,
    },
]

# (title, description, estimated cost, official cost or None to reject / "merge" to merge, offset in the district)
FINISHED_IDEAS = {
    "Old Town": [
        (
            "Benches and shade on Market Square",
            "Ten benches and four shade sails so that older people can rest on market days.",
            38_000,
            42_000,
        ),
        (
            "Restore the Victorian drinking fountain",
            "Bring the fountain by the Town Hall back into use with clean water.",
            25_000,
            27_500,
        ),
        ("Cycle racks at the station", "Forty covered cycle racks by the station entrance.", 18_000, 18_000),
        (
            "Lighting on Chapel Walk",
            "Low lamps along the path behind the chapel, which is dark and feels unsafe at night.",
            55_000,
            61_000,
        ),
        (
            "Community garden behind the library",
            "Raised beds, a water butt and a shed for a neighbourhood growing group.",
            30_000,
            30_000,
        ),
        ("Public toilets open in the evening", "Keep the Market Square toilets open until 10pm.", 40_000, None),
    ],
    "Riverside": [
        (
            "A playground by the river",
            "Swings, a climbing frame and soft ground on the grass by the footbridge.",
            70_000,
            75_000,
        ),
        (
            "Repair the river path",
            "Resurface the muddy stretch of the river path between the two bridges.",
            45_000,
            48_000,
        ),
        ("Outdoor gym equipment", "Six pieces of outdoor exercise equipment in Riverside park.", 28_000, 28_000),
        (
            "Wildflower meadow",
            "Sow the grass by the weir with native wildflowers and mow it twice a year.",
            9_000,
            9_000,
        ),
        ("Bird boxes and a bat bridge", "Nesting boxes along the river and a bat-friendly light plan.", 6_000, 6_500),
    ],
}
VOTING_IDEAS = {
    "Old Town": [
        ("Trees on Castle Street", "Plant twelve street trees with watering bags along Castle Street.", 36_000, 36_000),
        ("Wider pavement by the school", "Widen the pavement outside Northbridge Primary School.", 64_000, 70_000),
        ("Free drinking water points", "Three bottle refill points in the town centre.", 15_000, 15_000),
        (
            "Street art on the underpass",
            "Local artists paint the underpass with the neighbourhood's history.",
            12_000,
            12_000,
        ),
        (
            "Secure bike hangar for flats",
            "A lockable bike hangar for residents of the flats on Mill Court.",
            8_000,
            8_000,
        ),
        ("A heated swimming pool", "An outdoor heated pool on the car park.", 130_000, None),
    ],
    "Riverside": [
        (
            "Canoe launch",
            "A small ramp so that canoes and paddle boards can get into the river safely.",
            22_000,
            24_000,
        ),
        ("Covered seating at the bus stops", "Shelters with seats at the four Riverside bus stops.", 48_000, 52_000),
        ("Riverside reading room", "Open the old boathouse as a reading room with a book swap.", 35_000, 35_000),
        ("More bins along the river", "Twenty litter and recycling bins along the river path.", 11_000, 11_000),
        (
            "Litter bins on the river path",
            "Put more bins on the river path: people leave litter after summer evenings.",
            9_000,
            "merge",
        ),
        ("Bigger skate park", "Extend the skate park with a bowl and a beginners' area.", 80_000, 85_000),
    ],
}
HILLCREST_IDEAS = [
    ("A youth club night on Fridays", "Open the community centre on Friday evenings with youth workers.", 14_000),
    (
        "Basketball court repaint and new hoops",
        "Repaint the lines and replace the broken hoops at Hillcrest park.",
        7_500,
    ),
    ("Free Wi-Fi in the park", "Wi-Fi around the pavilion so that young people can meet and study outside.", 5_000),
]


def _user(email: str) -> User:
    return User.objects.get(email=email)


@contextmanager
def _at(moment: datetime.datetime):
    """Run the block as if it were *moment* (audit rows and dates then say when it happened)."""
    import time_machine

    with time_machine.travel(moment, tick=False):
        yield


def _midnight() -> datetime.datetime:
    """The start of today in the deployment's time zone: phases open at midnight."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _areas(agency: Agency) -> dict[str, Area]:
    return {a.name.get("en", ""): a for a in Area.objects.filter(agency=agency, is_active=True)}


def _homes_in_register() -> None:
    address_register_load(actor=None, rows=HOMES)


def _voters(count: int, *, first: int, districts: list[str], rng: random.Random) -> list[tuple[User, str]]:
    """*count* register people with verified accounts, each living at an address of one of
    *districts* (in turn); returns (user, district name)."""
    homes = {
        name: list(
            Address.objects.filter(is_active=True, locality=name).exclude(uprn__startswith="99").order_by("uprn")
        )
        for name in districts
    }
    adults = [p for p in synthetic_people(first + count + 200) if p.date_of_birth.year <= 2006]
    people = [p for p in adults[first : first + count] if population_record_for(p.national_id)]
    voters = []
    for n, person in enumerate(people):
        district = districts[n % len(districts)]
        email = f"voter{first + n + 1}@example.net"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            home = rng.choice(homes[district])
            profile_update(
                actor=user,
                user=user,
                data={
                    "given_name": person.given_name,
                    "family_name": person.family_name,
                    "date_of_birth": person.date_of_birth,
                    "address_line_1": home.line,
                    "town": home.town,
                    "postcode": home.postcode,
                },
            )
        if not Profile.objects.filter(user=user, identity_verified=True).exists():
            identity_verify_with_register(
                user=user,
                given_name=person.given_name,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
                national_id=person.national_id,
            )
        voters.append((user, district))
    return voters


def _process(
    agency: Agency, admin: User, title: str, summary: str, description: str, dates, budgets, **rules
) -> Process:
    ideas_open, ideas_close, voting_open, voting_close = dates
    data = process_services.ProcessData(
        title=title,
        summary=summary,
        description=description,
        ideas_open_at=ideas_open,
        ideas_close_at=ideas_close,
        voting_open_at=voting_open,
        voting_close_at=voting_close,
        **rules,
    )
    process = process_services.process_create(actor=admin, agency=agency, data=data, budgets=budgets)
    return process_services.process_publish(actor=admin, process=process)


def _point_in(area: Area, rng: random.Random) -> tuple[float, float]:
    for _ in range(100):
        lat = rng.uniform(area.min_lat, area.max_lat)
        lng = rng.uniform(area.min_lng, area.max_lng)
        if area.contains(lat, lng):
            return round(lat, 5), round(lng, 5)
    return (area.min_lat + area.max_lat) / 2, (area.min_lng + area.max_lng) / 2


def _propose(process: Process, ideas: dict, authors: list[User], rng: random.Random) -> list[tuple[Project, object]]:
    """Each idea proposed by the next author; returns (project, what review does with it)."""
    made = []
    authors = authors or [_user(AMINA)]  # a register too small for demo voters (seed_demo --register-size)
    budgets = {b.area.name.get("en", ""): b for b in process.budgets.select_related("area")}
    n = 0
    for district, rows in ideas.items():
        budget = budgets[district]
        for title, description, estimate, review in rows:
            lat, lng = _point_in(budget.area, rng)
            project = idea_services.idea_propose(
                actor=authors[n % len(authors)],
                process=process,
                data=idea_services.IdeaData(
                    budget=budget,
                    title=title,
                    description=description,
                    estimated_cost=estimate,
                    location_text=district,
                    latitude=lat,
                    longitude=lng,
                ),
                create_token=uuid.uuid4(),
            )
            made.append((project, review))
            n += 1
    return made


def _support(projects: list[Project], people: list[User], rng: random.Random) -> None:
    for project in projects:
        for person in rng.sample(people, k=min(len(people), rng.randint(2, 9))):
            if person.pk != project.author_id:
                idea_services.idea_support(actor=person, project=project)


def _review(made: list[tuple[Project, object]], reviewer: User) -> None:
    accepted: dict[int, Project] = {}
    for project, review in made:
        if isinstance(review, int):
            accepted[project.budget_id] = idea_services.idea_accept(
                actor=reviewer, project=project, official_cost=review
            )
    for project, review in made:
        if review is None:
            idea_services.idea_reject(
                actor=reviewer,
                project=project,
                reason=(
                    "This budget pays for things that are built or bought once. The idea would need "
                    "money every year (staff, heating, opening hours), which the budget cannot pay for."
                ),
            )
        elif review == "merge":
            similar = Project.objects.filter(
                budget_id=project.budget_id, status=ProjectStatus.ACCEPTED, title__icontains="bins"
            ).first()
            idea_services.idea_merge(actor=reviewer, projects=[project], into=similar or accepted[project.budget_id])


def _cast(process: Process, voters: list[tuple[User, str]], rng: random.Random, *, knapsack: bool) -> int:
    """Each voter chooses projects of their district, the popular ones more often."""
    cast = 0
    on_ballot = {}
    for project in Project.objects.filter(process=process, status=ProjectStatus.ACCEPTED).select_related(
        "budget__area"
    ):
        on_ballot.setdefault(project.budget.area.name.get("en", ""), []).append(project)
    for user, district in voters:
        projects = on_ballot[district]
        weights = [1.0 / (1 + i * 0.45) for i in range(len(projects))]
        wanted = []
        for _ in range(rng.randint(1, 4)):
            choice = rng.choices(projects, weights=weights)[0]
            if choice not in wanted:
                wanted.append(choice)
        if knapsack:
            amount, total, fitting = projects[0].budget.amount, 0, []
            for p in wanted:
                if total + p.cost <= amount:
                    fitting.append(p)
                    total += p.cost
            wanted = fitting
        ballot_services.ballot_cast(actor=user, process=process, choices={p.pk: 1 for p in wanted})
        cast += 1
    return cast


def _finished(agency, admin, caseworker, areas, rng) -> str:
    start = _midnight() - datetime.timedelta(days=330)
    dates = (
        start,
        start + datetime.timedelta(days=31) - datetime.timedelta(minutes=1),
        start + datetime.timedelta(days=45),
        start + datetime.timedelta(days=60) - datetime.timedelta(minutes=1),
    )
    with _at(start - datetime.timedelta(days=7)):
        process = _process(
            agency,
            admin,
            FINISHED,
            "Residents of Old Town and Riverside decided how to spend 270,000 on their neighbourhoods.",
            "Each district had its own budget. Residents proposed 11 ideas, the council checked them, "
            "and residents aged 16 and over chose up to four projects in their district. The votes were "
            "counted by the Method of Equal Shares, so that every group of residents got projects in "
            "proportion to its size.",
            dates,
            [(areas["Old Town"], 150_000), (areas["Riverside"], 120_000)],
            ballot_style=BallotStyle.APPROVAL,
            max_choices=4,
            rule=Rule.MES,
            min_age=16,
        )
    voters = _voters(160, first=0, districts=["Old Town", "Riverside"], rng=rng)
    people = [u for u, _d in voters]
    with _at(start + datetime.timedelta(days=3)):
        made = _propose(process, FINISHED_IDEAS, people[:11], rng)
        _support([p for p, _r in made], people, rng)
    with _at(start + datetime.timedelta(days=38)):
        _review(made, admin)
    with _at(start + datetime.timedelta(days=50)):
        cast = _cast(process, voters, rng, knapsack=False)
    with _at(start + datetime.timedelta(days=60)):
        result_services.results_count(actor=caseworker, process=process)
    with _at(start + datetime.timedelta(days=62)):
        result_services.results_publish(actor=admin, process=process)
    with _at(start + datetime.timedelta(days=70)):
        implementation_services.implementation_start(actor=admin, process=process)
    funded = list(Project.objects.filter(process=process, results__funded=True).distinct().order_by("pk"))
    for i, project in enumerate(funded):
        plan = start + datetime.timedelta(days=80 + 20 * i)
        steps = [
            ("Design agreed with residents", plan.date(), plan.date()),
            (
                "Contractor appointed",
                (plan + datetime.timedelta(days=40)).date(),
                (plan + datetime.timedelta(days=45)).date(),
            ),
            ("Work finished", (plan + datetime.timedelta(days=150 + 30 * i)).date(), None),
        ]
        with _at(plan + datetime.timedelta(days=46)):
            for title, planned, done in steps:
                implementation_services.milestone_save(
                    actor=caseworker,
                    project=project,
                    title=title,
                    planned_for=planned,
                    done_on=done if done and done <= (plan + datetime.timedelta(days=46)).date() else None,
                )
            implementation_services.progress_save(
                actor=caseworker,
                project=project,
                progress=min(90, 35 + 15 * i),
                spent=project.cost * min(95, 30 + 9 * i) // 100,
            )
    if funded:
        implementation_services.follow_start(actor=_user(AMINA), project=funded[0])
    return f"{FINISHED} (results published, {len(funded)} projects funded, {cast} ballots)"


def _voting(agency, admin, caseworker, areas, rng) -> str:
    day = _midnight()
    dates = (
        day - datetime.timedelta(days=40),
        day - datetime.timedelta(days=20),
        day - datetime.timedelta(days=3),
        day + datetime.timedelta(days=19) - datetime.timedelta(minutes=1),
    )
    with _at(dates[0] - datetime.timedelta(days=5)):
        process = _process(
            agency,
            admin,
            VOTING,
            "Choose the projects for Old Town and Riverside: each district has 140,000.",
            "Pick the projects you want in your district. Your choices must fit the district's budget, "
            "as if you were spending it yourself. You can change your ballot until voting closes: the "
            "last one counts. You can also vote on paper at any service counter with an identity document.",
            dates,
            [(areas["Old Town"], 140_000), (areas["Riverside"], 140_000)],
            ballot_style=BallotStyle.KNAPSACK,
            rule=Rule.MES,
            min_age=16,
        )
    voters = _voters(60, first=160, districts=["Old Town", "Riverside"], rng=rng)
    people = [u for u, _d in voters] + [_user(AMINA)]
    with _at(dates[0] + datetime.timedelta(days=2)):
        made = _propose(process, VOTING_IDEAS, people[:12], rng)
        _support([p for p, _r in made], people, rng)
    with _at(dates[1] + datetime.timedelta(days=4)):
        _review(made, admin)
    with _at(dates[2] + datetime.timedelta(days=1)):
        cast = _cast(process, voters[:48], rng, knapsack=True)
    # A paper ballot from the counter, typed in once: the second entry is waiting.
    # The paper voter: the last adult of the demo register, who has no account.
    paper_voter = next(
        p
        for p in reversed(synthetic_people(500))
        if p.date_of_birth.year <= 2006 and population_record_for(p.national_id)
    )
    budget = process.budgets.get(area=areas["Old Town"])
    cheapest = list(Project.objects.filter(budget=budget, status=ProjectStatus.ACCEPTED).order_by("official_cost")[:2])
    if paper_voter is not None and not process.paper_entries.exists():
        ballot_services.paper_entry_enter(
            actor=caseworker,
            process=process,
            sheet_number="OT-0001",
            national_id=paper_voter.national_id,
            budget=budget,
            choices={p.pk: 1 for p in cheapest},
        )
    return f"{VOTING} (voting open, {cast} ballots, one paper ballot waiting for its second entry)"


def _ideas(agency, admin, areas, rng) -> str:
    day = _midnight()
    dates = (
        day - datetime.timedelta(days=6),
        day + datetime.timedelta(days=24),
        day + datetime.timedelta(days=40),
        day + datetime.timedelta(days=55) - datetime.timedelta(minutes=1),
    )
    with _at(dates[0] - datetime.timedelta(days=2)):
        process = _process(
            agency,
            admin,
            IDEAS,
            "Young people of Hillcrest, aged 12 to 25, decide how to spend 30,000.",
            "Tell us what would make Hillcrest better for young people. Ideas are open for a month; "
            "then the council checks what each idea would cost, and residents aged 12 to 25 vote.",
            dates,
            [(areas["Hillcrest"], 30_000)],
            ballot_style=BallotStyle.CUMULATIVE,
            points=10,
            max_points_per_project=5,
            rule=Rule.GREEDY,
            min_age=12,
        )
    voters = _voters(12, first=220, districts=["Hillcrest"], rng=rng)
    people = [u for u, _d in voters]
    with _at(dates[0] + datetime.timedelta(days=1)):
        made = _propose(process, {"Hillcrest": [(t, d, c, None) for t, d, c in HILLCREST_IDEAS]}, people[:3], rng)
        _support([p for p, _r in made], people, rng)
    return f"{IDEAS} (collecting ideas, {len(made)} so far)"


def demo_budgeting_load() -> list[str]:
    """Load the demo budgets (each only once); returns a line per process."""
    agency = Agency.objects.get(slug="city-council")
    admin, caseworker = _user(ADMIN), _user(CASEWORKER)
    areas = _areas(agency)
    _homes_in_register()
    rng = random.Random(2027)  # noqa: S311 - made-up demo data, the same every time
    done = []
    existing = set(Process.objects.filter(agency=agency).values_list("title", flat=True))
    try:
        import time_machine
    except ImportError:  # pragma: no cover - production installs without the development requirements
        time_machine = None
    if time_machine is not None:
        if FINISHED not in existing:
            done.append(_finished(agency, admin, caseworker, areas, rng))
        if VOTING not in existing:
            done.append(_voting(agency, admin, caseworker, areas, rng))
        if IDEAS not in existing:
            done.append(_ideas(agency, admin, areas, rng))
    return done or ["already loaded"]
