"""Locust clients for ``bench/surge.py``: citizens and passers-by in a surge (see that file).

Run by ``bench/surge.py`` in a process of its own (locust patches the standard library with
gevent); it reads its plan from the JSON file named by ``SURGE_PLAN`` and appends every
confirmation it sees to ``SURGE_SEEN`` as JSON lines. By hand, with a stack already up::

    SURGE_PLAN=var/surge/plan.json SURGE_SEEN=var/surge/seen.jsonl \\
      .venv/bin/locust -f bench/surge_locustfile.py --headless -u 50 -r 25 -t 20s \\
      --host http://127.0.0.1:8101

Every client is one person with an address of their own (``X-Forwarded-For``, as the TLS proxy
would add it) and, for a citizen, a session made up front by ``bench/surge.py``. A citizen starts
a street trading licence application (the start page's one-time token), answers its pages, sends
it, pays its fee on the sandbox's card page (the bill page's idempotency key) and waits for the
payment to be confirmed, then reports a problem; a passer-by reports a problem without signing
in. A request that times out or whose connection is cut is sent again, with the same token or
key, as a browser's retry would be, to the next web process (as a load balancer would).
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import time
import uuid
from itertools import count
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["SURGE_PLAN"]).read())
SEEN = open(os.environ["SURGE_SEEN"], "a", buffering=1)
TIMEOUT = float(PLAN.get("timeout", 30))
RETRIES = 6
_numbers = count()
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"')
_HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|start_token|idempotency_key|submit_token)" value="([^"]+)"')


class Cut(Exception):
    """The connection was cut or timed out on every try."""


def seen(kind: str, value) -> None:
    SEEN.write(json.dumps({"kind": kind, "value": value}) + "\n")


def hidden(body: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(body)}


class Person(HttpUser):
    wait_time = between(1, 3)
    citizen_share = PLAN.get("citizen_share", 0.7)

    def on_start(self):
        self.number = next(_numbers)
        self.ports = PLAN["ports"]
        self.port_index = self.number % len(self.ports)
        self.address = f"10.{self.number >> 16 & 255}.{self.number >> 8 & 255}.{self.number & 255}"
        self.cookies: dict[str, str] = {}
        sessions = PLAN["sessions"]
        self.citizen = self.number % 10 < 10 * self.citizen_share and self.number < len(sessions)
        if self.citizen:
            self.cookies[PLAN["session_cookie"]] = sessions[self.number]

    # --- HTTP, as a browser behind the TLS proxy -------------------------------------------------

    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports[self.port_index]}"

    def call(self, name: str, path: str, form: dict | None = None, expect=(200, 302)):
        """One request; a cut connection or a timeout is sent again, the same, to the next process."""
        path = urlsplit(path)._replace(scheme="", netloc="").geturl() or "/"
        for attempt in range(RETRIES):
            base = self.base()
            headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if form is not None:
                headers["Origin"] = base.replace("http://", "https://", 1)
                headers["Referer"] = headers["Origin"] + path
            method = "POST" if form is not None else "GET"
            with self.client.request(
                method,
                base + path,
                data=form,
                headers=headers,
                name=name,
                allow_redirects=False,
                timeout=TIMEOUT,
                catch_response=True,
            ) as response:
                if not response.status_code:
                    kind = "timeout" if "timed out" in str(response.error).lower() else "connection cut"
                    response.failure(f"{kind} (retried)" if attempt + 1 < RETRIES else kind)
                    self.port_index = (self.port_index + 1) % len(self.ports)
                    time.sleep(min(2**attempt * 0.5, 5) * random.uniform(0.5, 1.5))  # noqa: S311
                    continue
                for cookie in response.cookies:
                    self.cookies[cookie.name] = cookie.value
                status = response.status_code
                if status >= 500:
                    response.failure(f"HTTP {status}")
                elif status not in expect:
                    response.failure(f"HTTP {status}")
                else:
                    response.success()
                return status, response.headers.get("Location", ""), response.text
        raise Cut(name)

    def get(self, name, path, expect=(200,)):
        status, location, body = self.call(name, path, expect=expect)
        if status not in expect:
            raise Cut(f"{name}: {status}")
        return location, body

    def post(self, name, path, form, expect=(302,)):
        status, location, body = self.call(name, path, form, expect=expect)
        if status not in expect:
            raise Cut(f"{name}: {status}")
        return location, body

    # --- journeys ---------------------------------------------------------------------------------

    @task
    def journey(self):
        try:
            if self.citizen:
                self.apply_and_pay()
            self.report()
        except Cut:
            pass  # counted in locust's failures; the person gives up this journey and starts again

    def apply_and_pay(self):
        slug = PLAN["service"]
        _, body = self.get("start page", f"/applications/start/{slug}/")
        location, _ = self.post("start", f"/applications/start/{slug}/", hidden(body))
        pk = int(re.search(r"/applications/(\d+)/", location).group(1))
        for page_id, answers in PLAN["pages"]:
            _, body = self.get("question page", f"/applications/{pk}/questions/{page_id}/")
            form = {**answers, "csrfmiddlewaretoken": hidden(body)["csrfmiddlewaretoken"]}
            if "trading_name" in form:
                form["trading_name"] = f"Surge stall {uuid.uuid4().hex[:10]}"
            if page_id == "contact":
                form["email"] = f"surge-{self.number}@example.org"
            self.post("answer", f"/applications/{pk}/questions/{page_id}/", form)
        _, body = self.get("check answers", f"/applications/{pk}/check/")
        form = {"csrfmiddlewaretoken": hidden(body)["csrfmiddlewaretoken"], "declaration": "on"}
        self.post("submit", f"/applications/{pk}/check/", form)
        _, body = self.get("confirmation", f"/applications/{pk}/confirmation/")
        reference = re.search(r"<strong>([A-Z0-9-]+)</strong>", body).group(1)
        seen("applications", reference)
        bill = re.search(r'href="/payments/bills/([^/"]+)/"', body)
        if bill is None:
            return
        self.pay(bill.group(1))

    def pay(self, bill: str):
        _, body = self.get("bill", f"/payments/bills/{bill}/")
        location, _ = self.post("pay", f"/payments/bills/{bill}/pay/", hidden(body))
        if "/sandbox/pay/" not in location:
            raise Cut(f"pay: went to {location}")
        _, body = self.get("card page", location)
        card = {
            "csrfmiddlewaretoken": hidden(body)["csrfmiddlewaretoken"],
            "card_number": "4444333322221111",
            "expiry": "04/39",
            "name": "Surge Payer",
            "cvc": "123",
        }
        back, _ = self.post("card submit", location, card)
        reference = re.search(r"/payments/return/([^/]+)/", back).group(1)
        for _ in range(30):
            _, body = self.get("payment status", f"/payments/return/{reference}/status.json")
            state = json.loads(body)
            if state.get("version"):  # 1 once the payment has finished
                if state.get("status") == "success":
                    self.get("payment done", f"/payments/return/{reference}/")
                    seen("payments", reference)
                return
            time.sleep(1)

    def report(self):
        spot = PLAN["report"]
        _, body = self.get("report: start", "/reports/new/")
        csrf = hidden(body)["csrfmiddlewaretoken"]
        self.post("report: location", "/reports/new/", {"csrfmiddlewaretoken": csrf, **spot["location"]})
        self.post(
            "report: category", "/reports/new/category/", {"csrfmiddlewaretoken": csrf, "category": spot["category"]}
        )
        details = {
            "csrfmiddlewaretoken": csrf,
            "title": f"Broken paving {uuid.uuid4().hex[:8]}",
            "description": "A loose paving slab by the bus stop, reported during a surge test.",
            **spot["answers"],
        }
        if not self.citizen:
            details.update(name="Passer-by", email=f"passer-{self.number}@example.org")
        self.post("report: details", "/reports/new/details/", details)
        _, body = self.get("report: check", "/reports/new/check/")
        location, _ = self.post("report: send", "/reports/new/check/", hidden(body))
        sent = re.search(r"/reports/new/sent/(\d+)/", location)
        if sent is None:
            raise Cut(f"report: send went to {location}")
        seen("reports", int(sent.group(1)))


@events.quitting.add_listener
def _close(environment, **kwargs):
    SEEN.close()
