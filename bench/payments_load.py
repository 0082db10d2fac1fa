"""Load test of paying bills against a RUNNING server, then a consistency check of the database.

What it does
------------
1. Through the ORM (the server's own database: same ``DATABASE_URL`` and
   ``DJANGO_SETTINGS_MODULE`` as the server), it migrates if needed, then makes
   an agency, N demo citizens (verified e-mail, a password) and one open bill
   each.
2. T threads sign each citizen in over HTTP through the allauth sign-in form
   (urllib + http.cookiejar, the form's CSRF token), then for each bill:
   * ``POST /api/payments/bills/<ref>/payments`` with an ``Idempotency-Key``
     (and, for a share of bills, the same request again at the same moment from
     a second thread, then once more later: a double click and a retry);
   * pays in one of two ways, half each:
     - *card page*: fills in the sandbox's card page (some cards declined);
       the gateway settles and notifies the platform;
     - *webhook*: the bench plays the gateway: it decides the charge in the
       gateway's own table and delivers the signed callback to
       ``POST /payments/callback/sandbox/`` itself;
     and in both cases re-delivers the callback (replays), sometimes twice at
     the same moment (duplicates);
   * polls ``GET /api/payments/payments/<ref>`` until the payment has finished;
   * for a share of paid bills, tries to pay again with a new key (must be 409).
3. It prints requests/s, p50/p99 latency per kind of request, the HTTP
   statuses seen, then checks from the database: no bill paid twice without an
   automatic refund, no payment lost (every payment the API created exists, is
   finished or in progress), every successful callback reflected (payment
   ``success``, bill ``paid``), one payment per idempotency key, one handled
   callback per event id. Exit status 1 if any check fails.

Every loop is bounded: ``--citizens`` (≤ 2000), ``--threads`` (≤ 32), each
HTTP request times out after 30 s, and no new bill is started after
``--max-seconds``. It only talks to loopback addresses.

How to run it (from the repository root)
----------------------------------------
Fast settings (``config.settings.bench``: the test settings with a real
database; immediate task backend, no sign-in rate limits)::

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE ecitizen_payments_bench'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_payments_bench
    export DJANGO_SETTINGS_MODULE=config.settings.bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py createcachetable
    .venv/bin/gunicorn config.wsgi -b 127.0.0.1:8050 -w 4 --threads 4 &
    .venv/bin/python bench/payments_load.py --base-url http://127.0.0.1:8050 --citizens 200 --threads 8

Production settings (Argon2 hashing, database task queue, allauth's sign-in
rate limit of 30 a minute per address, which the bench waits out)::

    export DJANGO_SETTINGS_MODULE=config.settings.production SECURE_SSL_REDIRECT=false
    .venv/bin/python manage.py collectstatic --noinput
    .venv/bin/gunicorn config.wsgi -b 127.0.0.1:8050 -w 4 --threads 4 &
    .venv/bin/python manage.py run_worker --worker-id bench-worker &      # settles card-page payments
    .venv/bin/python bench/payments_load.py --base-url http://127.0.0.1:8050 --citizens 25

Production cookies are ``Secure``; over plain HTTP on loopback the bench sends
them anyway, as browsers do for ``http://localhost``. The dev server
(``manage.py runserver 127.0.0.1:8050``) works too, with either settings.
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import ipaddress
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-payments-Password-1"  # noqa: S105 - throwaway demo accounts on a loopback server
GOOD_CARD = "4444333322221111"
DECLINED_CARD = "4000000000000002"
REQUEST_TIMEOUT = 30
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- HTTP ----------------------------------------------------------------------------------------


class LoopbackSecureCookies(http.cookiejar.DefaultCookiePolicy):
    """Send ``Secure`` cookies to loopback over plain HTTP, as browsers treat http://localhost."""

    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples[kind].append(seconds)
            self.statuses[(kind, status)] += 1


class Browser:
    """One citizen's browser: a cookie jar, no automatic redirects, timings recorded."""

    def __init__(self, base: str, stats: Stats):
        self.base = base.rstrip("/")
        self.stats = stats
        self.jar = http.cookiejar.CookieJar(policy=LoopbackSecureCookies())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def csrf_cookie(self) -> str:
        for cookie in self.jar:
            if cookie.name.endswith("csrftoken"):
                return cookie.value or ""
        return ""

    def request(self, kind: str, method: str, path: str, *, data=None, json_body=None, headers=None):
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)  # noqa: S310
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as response:
                status, payload, head = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, payload, head = exc.code, exc.read(), dict(exc.headers)
        self.stats.add(kind, time.perf_counter() - started, status)
        return status, payload, head


def _loopback_only(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"Refusing to load {host!r}: this benchmark only talks to loopback addresses.")


# --- the run ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the bench saw for one bill, checked against the database at the end."""

    email: str
    bill_reference: str
    reference: str = ""
    key: str = ""
    replays: list[str] = field(default_factory=list)  # references returned for the same key
    success_callback_delivered: bool = False
    declined: bool = False
    final_status: str = ""
    second_attempt_status: int | None = None
    errors: list[str] = field(default_factory=list)
    events_sent: set[str] = field(default_factory=set)


def _setup(citizens: int, run_id: str):
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.utils import timezone

    from ecitizen.accounts.models import Profile, User
    from ecitizen.agencies.models import Agency
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the database cache of production settings
    agency, _ = Agency.objects.get_or_create(
        slug="payments-bench", defaults={"name": "Payments Benchmark Agency", "code": "PB"}
    )
    people = []
    for i in range(citizens):
        email = f"bench-{run_id}-{i}@example.org"
        user = User.objects.create_user(email=email, password=PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        Profile.objects.create(user=user, given_name="Bench", family_name=str(i))
        bill = bill_create(
            actor=None,
            agency=agency,
            payer=user,
            currency="GBP",
            lines=[(LineKind.FEE, {"en": "Benchmark fee"}, 1000 + i)],
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )
        people.append((email, bill.reference, bill.total))
    return agency, people


def _sign_in(browser: Browser, email: str, deadline: float) -> bool:
    for _attempt in range(8):
        status, page, _ = browser.request("sign-in page", "GET", "/accounts/login/")
        match = _CSRF_INPUT.search(page.decode(errors="replace"))
        if status != 200 or not match:
            return False
        status, _body, head = browser.request(
            "sign-in",
            "POST",
            "/accounts/login/",
            data={"csrfmiddlewaretoken": match.group(1), "login": email, "password": PASSWORD},
            headers={"Referer": browser.base + "/accounts/login/"},
        )
        location = head.get("Location", "")
        if status == 302 and "/accounts/" not in location:  # not sent back to sign in or confirm the e-mail
            return True
        if status == 429 and time.monotonic() + 10 < deadline:  # allauth's per-address limit: wait it out
            time.sleep(10)
            continue
        return False
    return False


def _deliver(browser: Browser, body: bytes, *, kind: str, at_once: int = 1) -> list[int]:
    from ecitizen.payments.providers.sandbox import SIGNATURE_HEADER, sign

    headers = {SIGNATURE_HEADER: sign(body), "Content-Type": "application/json"}

    def post_raw(_):
        req = urllib.request.Request(  # noqa: S310 - loopback checked at start
            browser.base + "/payments/callback/sandbox/", data=body, method="POST", headers=headers
        )
        started = time.perf_counter()
        try:
            with browser.opener.open(req, timeout=REQUEST_TIMEOUT) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
        browser.stats.add(kind, time.perf_counter() - started, status)
        return status

    if at_once == 1:
        return [post_raw(0)]
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(post_raw, range(at_once)))


def _gateway_decides(provider_id: str, status: str):
    """The bench as the sandbox gateway: settle the charge in the gateway's own table."""
    from django.db import transaction

    from ecitizen.payments.models import SandboxCharge

    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().get(provider_id=provider_id)
        if charge.status in ("created", "started", "submitted"):
            charge.status = status
            if status == "failed":
                charge.failure_code, charge.failure_message = "card_declined", "Your card was declined"
            charge.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
    return charge


def _pay_one(browser: Browser, outcome: Outcome, total: int, rng: random.Random, args) -> None:
    from ecitizen.payments.models import Payment, SandboxCharge
    from ecitizen.payments.providers.sandbox import callback_body

    csrf = browser.csrf_cookie()
    outcome.key = f"bench-{uuid.uuid4()}"
    path = f"/api/payments/bills/{outcome.bill_reference}/payments"
    body = {"amount": total, "currency": "GBP", "return_url": "/payments/"}
    headers = {"Idempotency-Key": outcome.key, "X-CSRFToken": csrf, "Referer": browser.base + "/"}

    def create(kind):
        status, payload, _ = browser.request(kind, "POST", path, json_body=body, headers=headers)
        if status != 201:
            outcome.errors.append(f"{kind}: HTTP {status} {payload[:200]!r}")
            return ""
        return json.loads(payload)["reference"]

    if rng.random() < args.duplicate_share:
        with ThreadPoolExecutor(max_workers=2) as pool:
            refs = list(pool.map(create, ["create payment", "create payment (same key, at once)"]))
        outcome.reference = refs[0] or refs[1]
        outcome.replays.extend(r for r in refs[1:] if r)
    else:
        outcome.reference = create("create payment")
    if not outcome.reference:
        return
    if rng.random() < args.duplicate_share:
        outcome.replays.append(create("create payment (same key, retry)"))

    provider_id = Payment.objects.filter(reference=outcome.reference).values_list("provider_id", flat=True).first()
    if not provider_id:
        outcome.errors.append("no provider id")
        return
    outcome.declined = rng.random() < args.decline_share
    via_card_page = rng.random() < 0.5
    if via_card_page:
        status, page, _ = browser.request("card page", "GET", f"/payments/sandbox/pay/{provider_id}/")
        match = _CSRF_INPUT.search(page.decode(errors="replace"))
        if status != 200 or not match:
            outcome.errors.append(f"card page: HTTP {status}")
            return
        status, _payload, _ = browser.request(
            "card page submit",
            "POST",
            f"/payments/sandbox/pay/{provider_id}/",
            data={
                "csrfmiddlewaretoken": match.group(1),
                "card_number": DECLINED_CARD if outcome.declined else GOOD_CARD,
                "expiry": "04/39",
                "name": "Bench Payer",
                "cvc": "123",
            },
            headers={"Referer": browser.base + f"/payments/sandbox/pay/{provider_id}/"},
        )
        if status != 302:
            outcome.errors.append(f"card submit: HTTP {status}")
            return
        # Without a task worker the charge waits in "submitted": the gateway (the bench) settles it.
        charge = SandboxCharge.objects.get(provider_id=provider_id)
        if charge.status == "submitted":
            charge = _gateway_decides(provider_id, charge.outcome.get("status", "success"))
    else:
        charge = _gateway_decides(provider_id, "failed" if outcome.declined else "success")

    event = callback_body(charge)
    outcome.events_sent.add(json.loads(event)["event_id"])
    deliveries = _deliver(browser, event, kind="callback")
    if rng.random() < args.duplicate_share:
        deliveries += _deliver(browser, event, kind="callback (duplicate, at once)", at_once=2)
    deliveries += _deliver(browser, event, kind="callback (replay)")
    if any(s != 200 for s in deliveries):
        outcome.errors.append(f"callback statuses {deliveries}")
    if charge.status == "success" and deliveries and deliveries[0] == 200:
        outcome.success_callback_delivered = True

    for _poll in range(20):
        status, payload, _ = browser.request("payment status", "GET", f"/api/payments/payments/{outcome.reference}")
        if status == 200 and json.loads(payload)["finished"]:
            outcome.final_status = json.loads(payload)["status"]
            break
        time.sleep(0.05)

    if outcome.final_status == "success" and rng.random() < args.duplicate_share:
        status, _payload, _ = browser.request(
            "create payment (bill already paid)",
            "POST",
            path,
            json_body=body,
            headers={**headers, "Idempotency-Key": f"bench-{uuid.uuid4()}"},
        )
        outcome.second_attempt_status = status


def _check(outcomes: list[Outcome], agency, run_id: str) -> list[str]:
    from django.db.models import Count, Q, Sum

    from ecitizen.payments.models import Bill, Payment, ProviderCallback, Refund

    problems = []
    bills = Bill.objects.filter(agency=agency, payer__email__startswith=f"bench-{run_id}-")
    # 1. no bill paid twice without an automatic refund
    for bill in bills.annotate(ok=Count("payments", filter=Q(payments__status="success"))).filter(ok__gt=1):
        refunded = (
            Refund.objects.filter(payment__bill=bill, automatic=True, status__in=["success", "submitted"])
            .values("payment")
            .distinct()
            .count()
        )
        unrefunded = bill.ok - refunded
        if unrefunded > 1:
            problems.append(f"bill {bill.reference} paid {unrefunded} times without an automatic refund")
    # 2. no payment lost; 3. every successful callback reflected; 4. one payment per key
    by_ref = {p.reference: p for p in Payment.objects.filter(bill__in=bills).select_related("bill")}
    for o in outcomes:
        if o.reference and o.reference not in by_ref:
            problems.append(f"payment {o.reference} created by the API is not in the database")
            continue
        if any(r != o.reference for r in o.replays):
            problems.append(f"key {o.key} returned {o.replays} besides {o.reference}")
        if not o.reference:
            continue
        payment = by_ref[o.reference]
        if payment.status not in ("created", "started", "submitted", "success", "failed", "cancelled", "error"):
            problems.append(f"payment {payment.reference} in unknown state {payment.status}")
        if o.success_callback_delivered and (payment.status != "success" or payment.bill.status != "paid"):
            problems.append(f"success callback for {payment.reference} not reflected ({payment.status})")
        if o.second_attempt_status not in (None, 409):
            problems.append(f"paying {o.bill_reference} again answered {o.second_attempt_status}, not 409")
        if Payment.objects.filter(payer=payment.payer, idempotency_key=o.key).count() > 1:
            problems.append(f"key {o.key} made more than one payment")
    # 5. every event handled once
    sent = set().union(*(o.events_sent for o in outcomes)) if outcomes else set()
    handled = Counter(
        ProviderCallback.objects.filter(provider="sandbox", event_id__in=sent).values_list("event_id", flat=True)
    )
    problems += [f"event {e} handled {n} times" for e, n in handled.items() if n > 1]
    problems += [f"event {e} never recorded" for e in sent - set(handled)]
    refunded = Refund.objects.filter(payment__bill__in=bills, automatic=True).aggregate(n=Count("id"), s=Sum("amount"))
    print(f"automatic refunds of duplicates: {refunded['n']} ({refunded['s'] or 0} minor units)")
    return problems


def _percentile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8050")
    parser.add_argument("--citizens", type=int, default=40, help="bills to pay, one citizen each (≤ 2000)")
    parser.add_argument("--threads", type=int, default=8, help="≤ 32")
    parser.add_argument("--max-seconds", type=float, default=180, help="start no new bill after this")
    parser.add_argument("--duplicate-share", type=float, default=0.3, help="share of double clicks and duplicates")
    parser.add_argument("--decline-share", type=float, default=0.1, help="share of declined cards")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.citizens = max(1, min(args.citizens, 2000))
    args.threads = max(1, min(args.threads, 32))
    _loopback_only(args.base_url)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections

    run_id = uuid.uuid4().hex[:8]
    started_setup = time.perf_counter()
    agency, people = _setup(args.citizens, run_id)
    print(
        f"database: {connection.vendor}; settings: {os.environ['DJANGO_SETTINGS_MODULE']}; server: {args.base_url}; "
        f"{len(people)} citizens and bills made in {time.perf_counter() - started_setup:.1f}s"
    )
    if not settings.DEBUG and "sandbox" not in settings.PAYMENT_PROVIDERS:
        raise SystemExit("The sandbox provider is not configured.")

    stats = Stats()
    deadline = time.monotonic() + args.max_seconds
    outcomes: list[Outcome] = []
    outcomes_lock = threading.Lock()
    work = list(enumerate(people))
    work_lock = threading.Lock()

    def worker(thread_no: int) -> None:
        rng = random.Random(args.seed * 1000 + thread_no)  # noqa: S311 - load shape, not security
        try:
            while time.monotonic() < deadline:
                with work_lock:
                    if not work:
                        return
                    _i, (email, bill_reference, total) = work.pop()
                outcome = Outcome(email=email, bill_reference=bill_reference)
                browser = Browser(args.base_url, stats)
                try:
                    if _sign_in(browser, email, deadline):
                        _pay_one(browser, outcome, total, rng, args)
                    else:
                        outcome.errors.append("sign-in failed")
                except Exception as exc:  # reported, never hidden
                    outcome.errors.append(f"{type(exc).__name__}: {exc}")
                with outcomes_lock:
                    outcomes.append(outcome)
        finally:
            connections.close_all()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0

    total = sum(len(v) for v in stats.samples.values())
    print(
        f"\n{len(outcomes)} bills in {elapsed:.1f}s with {args.threads} threads: {total} requests, "
        f"{total / elapsed:.1f} requests/s"
    )
    all_samples = [s for v in stats.samples.values() for s in v]
    print(f"{'request':<40} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind in sorted(stats.samples):
        values = stats.samples[kind]
        codes = ", ".join(f"{code}×{n}" for (k, code), n in sorted(stats.statuses.items()) if k == kind)
        print(
            f"{kind:<40} {len(values):>6} {_percentile(values, 50) * 1000:>8.1f} "
            f"{_percentile(values, 99) * 1000:>8.1f}  {codes}"
        )
    if all_samples:
        print(
            f"{'all':<40} {len(all_samples):>6} {_percentile(all_samples, 50) * 1000:>8.1f} "
            f"{_percentile(all_samples, 99) * 1000:>8.1f}"
        )

    finals = Counter(o.final_status or "not finished" for o in outcomes if o.reference)
    print("final payment states seen through the API:", dict(finals))
    errors = [f"{o.bill_reference}: {e}" for o in outcomes for e in o.errors]
    server_errors = sum(n for (_k, code), n in stats.statuses.items() if code >= 500)
    problems = _check(outcomes, agency, run_id)
    print(f"client-side errors: {len(errors)}; HTTP 5xx: {server_errors}")
    for line in errors[:20]:
        print("  ", line)
    if problems:
        print(f"CONSISTENCY: {len(problems)} problems")
        for line in problems[:50]:
            print("  ", line)
    else:
        print(
            "CONSISTENCY: ok (no bill paid twice without an automatic refund, no payment lost, "
            "every successful callback reflected, one payment per key, each event handled once)"
        )
    return 1 if problems or server_errors or errors else 0


if __name__ == "__main__":
    sys.exit(main())
