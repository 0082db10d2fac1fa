"""The consistency check after a surge (``bench/surge.py``): nothing lost, nothing done twice.

Every check reads the database only and returns a :class:`Finding` (a name, a line of figures,
and the problems found, empty when all is well). :func:`check_database` runs them all;
:func:`check_seen` compares the database with the confirmations the clients saw (application
references, payment references, report numbers), which ``bench/surge.py`` collects in a file.

What counts as a problem:

- **submissions**: two submitted applications of one citizen to one service version with the same
  answers, sent within ``DUPLICATE_WINDOW`` of each other, or two reports with the same reporter,
  place, title and description within that window (a retried "Send" that made a second one);
- **bills**: a bill with more than one successful payment that no automatic refund gives back;
- **payments**: a charge the payment provider (the sandbox gateway's own table) says succeeded
  whose payment here is not successful, a successful payment whose bill is not paid, or a paid
  application fee whose application still waits for it;
- **notifications**: a sent application without exactly one inbox message about it sent with it,
  a successful payment without exactly one receipt (or duplicate-payment notice) — of those made
  since ``since`` when it is given (the demo's year of history is written as rows, without the
  messages the services would have sent) — a background
  task that sends messages run to its end more than once or never (an attempt a crash cut short,
  which ``manage.py run_worker`` ran again, does not count);
- **tasks**: any task still running or due and not started (``READY`` with ``run_after`` passed),
  or failed. Run it after the task workers have drained the queue.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

DUPLICATE_WINDOW = datetime.timedelta(minutes=10)
# The longest a notification can follow the event it tells of, made in the same transaction.
NOTIFY_WINDOW = datetime.timedelta(seconds=30)
MESSAGE_TASKS = ("send_new_report_alerts", "send_update_alerts", "send_questionnaires")
INTERRUPTED = " (interrupted)"  # ecitizen.scheduler.management.commands.run_worker.INTERRUPTED
SHOWN = 10  # problems listed per check; the figures count them all


@dataclass
class Finding:
    name: str
    figures: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        head = f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.figures}"
        more = [f"     - {p}" for p in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            more.append(f"     ... and {len(self.problems) - SHOWN} more")
        return [head, *more]


def _close_pairs(rows: list[tuple], key_len: int) -> list[tuple]:
    """Rows (key..., when, label) with the same key and times within DUPLICATE_WINDOW of each other."""
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for row in rows:
        groups[row[:key_len]].append(row)
    pairs = []
    for group in groups.values():
        group.sort(key=lambda row: row[key_len])
        for earlier, later in itertools.pairwise(group):
            if later[key_len] - earlier[key_len] <= DUPLICATE_WINDOW:
                pairs.append((earlier[-1], later[-1]))
    return pairs


def submissions_once() -> Finding:
    from ecitizen.cases.models import Application
    from ecitizen.reports.models import Report

    applications = [
        (
            a["citizen_id"],
            a["service_version_id"],
            json.dumps(a["answers"], sort_keys=True),
            a["submitted_at"],
            a["reference"],
        )
        for a in Application.objects.exclude(submitted_at=None).values(
            "citizen_id", "service_version_id", "answers", "submitted_at", "reference"
        )
    ]
    reports = [
        (
            r["reporter_id"] or r["reporter_email"].lower(),
            round(r["latitude"], 6),
            round(r["longitude"], 6),
            r["title"],
            r["description"],
            r["created_at"],
            f"#{r['pk']}",
        )
        for r in Report.objects.values(
            "pk", "reporter_id", "reporter_email", "latitude", "longitude", "title", "description", "created_at"
        )
    ]
    problems = [f"application {a} sent again as {b}" for a, b in _close_pairs(applications, 3)]
    problems += [f"report {a} sent again as {b}" for a, b in _close_pairs(reports, 5)]
    return Finding(
        "every submission once",
        f"{len(applications)} applications sent, {len(reports)} reports; {len(problems)} duplicates",
        problems,
    )


def bills_paid_once() -> Finding:
    from django.db.models import Count, Q

    from ecitizen.payments.models import Bill, PaymentStatus, Refund

    problems = []
    paid = Bill.objects.filter(status="paid").count()
    refunded_duplicates = 0
    multiple = Bill.objects.annotate(ok=Count("payments", filter=Q(payments__status=PaymentStatus.SUCCESS))).filter(
        ok__gt=1
    )
    for bill in multiple:
        refunded = (
            Refund.objects.filter(payment__bill=bill, automatic=True)
            .exclude(status="failed")
            .values("payment")
            .distinct()
        ).count()
        refunded_duplicates += refunded
        if bill.ok - refunded > 1:
            problems.append(f"bill {bill.reference} paid {bill.ok} times, {refunded} refunded automatically")
    return Finding(
        "no bill paid twice",
        f"{paid} bills paid; {len(problems)} paid twice "
        f"({refunded_duplicates} duplicate payments refunded automatically)",
        problems,
    )


def payments_recorded() -> Finding:
    from ecitizen.cases.models import Status
    from ecitizen.payments.models import Bill, Method, Payment, PaymentStatus, SandboxCharge

    problems = []
    confirmed = dict(SandboxCharge.objects.filter(status=PaymentStatus.SUCCESS).values_list("provider_id", "reference"))
    recorded = dict(
        Payment.objects.filter(method=Method.SANDBOX, provider_id__in=list(confirmed)).values_list(
            "provider_id", "status"
        )
    )
    for provider_id, reference in sorted(confirmed.items()):
        status = recorded.get(provider_id)
        if status != PaymentStatus.SUCCESS:
            problems.append(
                f"the provider took payment {reference} ({provider_id}) but it is {status or 'missing'} here"
            )
    successes = Payment.objects.filter(status=PaymentStatus.SUCCESS).select_related("bill")
    count = 0
    for payment in successes:
        count += 1
        if payment.bill.status not in ("paid", "cancelled"):
            problems.append(
                f"payment {payment.reference} succeeded but bill {payment.bill.reference} is {payment.bill.status}"
            )
    waiting = Bill.objects.filter(status="paid", application__status=Status.AWAITING_PAYMENT).values_list(
        "reference", flat=True
    )
    problems += [f"bill {reference} is paid but its application still waits for the fee" for reference in waiting]
    return Finding(
        "no payment lost",
        f"{len(confirmed)} payments confirmed by the provider, {count} successful here; {len(problems)} lost",
        problems,
    )


def notifications_once(now: datetime.datetime | None = None, since: datetime.datetime | None = None) -> Finding:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from ecitizen.cases.models import Application, ApplicationEvent, EventKind
    from ecitizen.notifications.models import Notification
    from ecitizen.payments.models import Payment, PaymentStatus, Refund

    problems = []
    inbox: dict[tuple[int, str], list] = defaultdict(list)
    for user_id, url, created in Notification.objects.values_list("user_id", "url", "created_at"):
        inbox[(user_id, url)].append(created)

    # The message that an application was sent is made after its SUBMITTED event, in the same
    # transaction, and before its next event (a later change has a message of its own).
    windows: dict[int, list] = {}
    for application_id, kind, created in ApplicationEvent.objects.order_by(
        "application_id", "created_at", "pk"
    ).values_list("application_id", "kind", "created_at"):
        window = windows.get(application_id)
        if kind == EventKind.SUBMITTED and window is None:
            windows[application_id] = [created, created + NOTIFY_WINDOW]
        elif window is not None and window[1] > created > window[0]:
            window[1] = created
    sent = Application.objects.exclude(submitted_at=None)
    if since is not None:
        sent = sent.filter(submitted_at__gte=since)
    sent = sent.values_list("pk", "citizen_id", "reference")
    for pk, citizen_id, reference in sent:
        start, end = windows.get(pk, (None, None))
        times = inbox[(citizen_id, f"/applications/{pk}/")]
        n = sum(start <= t < end for t in times) if start else 0
        if n != 1:
            problems.append(f"application {reference}: {n} messages that it was sent")
    manual = set(Refund.objects.filter(automatic=False).values_list("payment_id", flat=True))
    paid = Payment.objects.filter(status=PaymentStatus.SUCCESS, payer__isnull=False).exclude(pk__in=manual)
    if since is not None:
        paid = paid.filter(created_at__gte=since)
    receipts = 0
    for payer_id, reference in paid.values_list("payer_id", "reference"):
        receipts += 1
        n = len(inbox[(payer_id, f"/payments/receipts/{reference}/")])
        if n != 1:
            problems.append(f"payment {reference}: {n} receipts")

    tasks = DBTaskResult.objects.filter(task_path__regex=r"\.(" + "|".join(MESSAGE_TASKS) + r")$").exclude(
        status="READY", run_after__gt=now or timezone.now()
    )  # not due yet
    runs = interrupted = 0
    for task_id, path, status, workers in tasks.values_list("id", "task_path", "status", "worker_ids"):
        runs += 1
        name = path.rsplit(".", 1)[-1]
        # An attempt cut short by a crash is marked by `manage.py run_worker`, which ran it again.
        whole = [w for w in workers or [] if not w.endswith(INTERRUPTED)]
        interrupted += len(workers or []) - len(whole)
        if len(whole) > 1:
            problems.append(f"task {name} {task_id} run {len(whole)} times ({', '.join(whole)})")
        if status != "SUCCESSFUL":
            problems.append(f"task {name} {task_id} never sent its messages ({status})")
    return Finding(
        "every message sent once",
        f"{len(sent)} application messages, {receipts} receipts, {runs} alert tasks "
        f"({interrupted} run again after a crash); {len(problems)} wrong",
        problems,
    )


def tasks_finished(now: datetime.datetime | None = None) -> Finding:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    counts = Counter(DBTaskResult.objects.values_list("status", flat=True))
    problems = []
    for task_id, path, started in DBTaskResult.objects.filter(status="RUNNING").values_list(
        "id", "task_path", "started_at"
    ):
        problems.append(
            f"task {path.rsplit('.', 1)[-1]} {task_id} still running (started {started and f'{started:%H:%M:%S}'})"
        )
    for task_id, path, due in DBTaskResult.objects.filter(status="READY", run_after__lte=now).values_list(
        "id", "task_path", "run_after"
    ):
        problems.append(f"task {path.rsplit('.', 1)[-1]} {task_id} due since {due:%H:%M:%S} and not started")
    for task_id, path, exception in DBTaskResult.objects.filter(status="FAILED").values_list(
        "id", "task_path", "exception_class_path"
    ):
        problems.append(f"task {path.rsplit('.', 1)[-1]} {task_id} failed ({exception})")
    later = DBTaskResult.objects.filter(status="READY", run_after__gt=now).count()
    figures = ", ".join(f"{n} {status.lower()}" for status, n in sorted(counts.items())) or "none"
    return Finding("no task stuck", f"tasks: {figures} ({later} ready are due later)", problems)


def check_database(now: datetime.datetime | None = None, since: datetime.datetime | None = None) -> list[Finding]:
    """Every check that needs nothing but the database; the messages are checked for what was sent
    and paid from *since* on (all of it when it is None)."""
    return [
        submissions_once(),
        bills_paid_once(),
        payments_recorded(),
        notifications_once(now, since),
        tasks_finished(now),
    ]


def check_seen(seen: dict[str, list]) -> Finding:
    """What the clients saw confirmed exists, once: ``{"applications": [reference, ...], "payments":
    [reference, ...], "reports": [pk, ...]}`` (a retry may have seen the same one twice)."""
    from ecitizen.cases.models import Application, Status
    from ecitizen.payments.models import Payment, PaymentStatus
    from ecitizen.reports.models import Report

    applications, payments, reports = (set(seen.get(kind, [])) for kind in ("applications", "payments", "reports"))
    problems = []
    found = Counter(
        Application.objects.filter(reference__in=applications)
        .exclude(status=Status.DRAFT)
        .values_list("reference", flat=True)
    )
    problems += [f"application {r} confirmed to a client is missing" for r in sorted(applications - set(found))]
    problems += [f"application {r} exists {n} times" for r, n in found.items() if n > 1]
    paid = set(
        Payment.objects.filter(reference__in=payments, status=PaymentStatus.SUCCESS).values_list("reference", flat=True)
    )
    problems += [f"payment {r} confirmed to a client is not recorded as paid" for r in sorted(payments - paid)]
    have = set(Report.objects.filter(pk__in=reports).values_list("pk", flat=True))
    problems += [f"report #{pk} confirmed to a client is missing" for pk in sorted(reports - have)]
    return Finding(
        "every confirmation a client saw is kept",
        f"{len(applications)} applications, {len(payments)} payments, {len(reports)} reports confirmed; "
        f"{len(problems)} missing",
        problems,
    )
