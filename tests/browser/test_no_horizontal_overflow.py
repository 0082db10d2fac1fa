"""Nothing scrolls sideways: every page of the accessibility crawl fits a 390 px phone.

The pages and personas are those of ``test_every_page_accessible`` (its ``world`` fixture
and URL lists are imported, so a page added there is checked here too), including the
pages shown after an action. Each is loaded 390 px wide; the staff pages also 1280 px
wide, the desktop where the back office is used. A page fails when
``document.documentElement.scrollWidth`` is more than ``window.innerWidth``; the report
names the page and the elements that stick out, widest first. A few pages are checked in
Arabic too, where the page is mirrored and overflow would go to the left.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import TIMEOUT_MS, sign_in
from tests.browser.test_every_page_accessible import _actions, _pages, world  # noqa: F401 (world: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
STAFF = ("caseworker", "admin", "auditor")

# None when the page fits; otherwise the widths and the elements that reach past the
# viewport (not counting those inside a box that clips or scrolls its own overflow),
# the widest first.
OVERFLOW = """() => {
  const root = document.documentElement;
  const width = window.innerWidth;
  if (root.scrollWidth <= width) return null;
  const clipped = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    for (const cls of el.classList) name += "." + cls;
    const text = (el.innerText || el.getAttribute("aria-label") || "").trim().replace(/\\s+/g, " ");
    return text ? `${name} "${text.slice(0, 50)}"` : name;
  };
  const sticking = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if ((box.right > width + 0.5 || box.left < -0.5) && !clipped(el)) {
      sticking.push({ el, box });
    }
  }
  sticking.sort((a, b) => b.box.width - a.box.width);
  return {
    scrollWidth: root.scrollWidth,
    innerWidth: width,
    widest: sticking.slice(0, 3).map(({ el, box }) => `${describe(el)} (${Math.round(box.width)} px wide)`),
  };
}"""


def _overflow(page) -> list[str]:
    """What sticks out of the viewport on the page as shown (an empty list when it fits)."""
    page.wait_for_load_state("load")
    found = page.evaluate(OVERFLOW)
    if not found:
        return []
    return [
        f"{found['scrollWidth']} px wide in a {found['innerWidth']} px window; widest: " + "; ".join(found["widest"])
    ]


def _check(page, url: str, problems: dict[str, list[str]], key: str) -> None:
    page.goto(url)
    if "/accounts/login/" in page.url and "/accounts/login/" not in url:
        problems.setdefault(key, []).append(f"sent to {page.url}")
    problems.setdefault(key, []).extend(_overflow(page))


def _report(problems: dict[str, list[str]], visited: int) -> str:
    problems = {key: found for key, found in problems.items() if found}
    return f"{len(problems)} of {visited} pages scroll sideways:\n" + "\n".join(
        f"{key}\n    " + "\n    ".join(found) for key, found in problems.items()
    )


def test_no_page_scrolls_sideways(browser, live_server, world):  # noqa: F811 (world: the imported fixture)
    problems: dict[str, list[str]] = {}
    visited = 0
    pages, actions = _pages(world), _actions(world)
    for persona, urls in pages.items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        if persona != "visitor":
            sign_in(page, *world[persona])
        sizes = [PHONE, DESKTOP] if persona in STAFF else [PHONE]
        for size in sizes:
            page.set_viewport_size(size)
            for entry in urls:
                url = entry[0] if isinstance(entry, tuple) else entry
                _check(page, url, problems, f"{persona} {url} at {size['width']} px")
                visited += 1
        page.set_viewport_size(PHONE)
        for label, url, action, _expected_path in actions[persona]:
            try:
                if url:
                    page.goto(url)
                if action:
                    action(page)
            except PlaywrightError as error:  # reported, and the crawl goes on
                problems.setdefault(f"{persona}: {label}", []).append(
                    f"the action failed: {error.message.splitlines()[0]}"
                )
                continue
            path = page.url.removeprefix(live_server.url)
            problems.setdefault(f"{persona}: {label} ({path}) at 390 px", []).extend(_overflow(page))
            visited += 1
        context.close()
    problems = {key: found for key, found in problems.items() if found}
    assert visited > 150
    assert not problems, _report(problems, visited)


def test_arabic_pages_do_not_scroll_sideways(browser, live_server, world):  # noqa: F811
    """Right to left, overflow goes to the left: a few pages of each kind, in Arabic, on a phone."""
    from django.contrib.auth import get_user_model

    from ecitizen.accounts.services import language_set

    User = get_user_model()
    problems: dict[str, list[str]] = {}
    visited = 0
    r = world["reports"]
    personas = {
        "visitor": [
            "/",
            "/services/",
            "/services/parking-permit/",
            "/fees/",
            "/reports/",
            f"/reports/{r['open'].pk}/",
            "/performance/",
            "/performance/services/parking-permit/",
            "/performance/services/parking-permit/embed/",
        ],
        "citizen": ["/account/", "/applications/", "/payments/", f"/payments/bills/{world['paid_bill'].reference}/"],
        "caseworker": [
            "/staff/",
            "/staff/cases/",
            "/staff/reports/",
            "/staff/payments/dashboard/",
            "/staff/analytics/",
            "/staff/analytics/reports/",
        ],
        "auditor": ["/staff/audit/"],
    }
    for persona, urls in personas.items():
        # A visitor's browser asks for Arabic. Staff and citizens have chosen Arabic for their
        # account, and sign in through the page their English browser shows (sign_in reads its labels).
        locale = "ar" if persona == "visitor" else "en-GB"
        context = browser.new_context(base_url=live_server.url, locale=locale, viewport=PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        if persona != "visitor":
            email = world[persona][0]
            language_set(user=User.objects.get(email=email), language="ar")
            sign_in(page, *world[persona])
        for url in urls:
            key = f"{persona} {url} in Arabic at 390 px"
            _check(page, url, problems, key)
            if page.locator("html").get_attribute("dir") != "rtl":
                problems.setdefault(key, []).append("the page is not right to left")
            visited += 1
        context.close()
    assert visited == sum(len(urls) for urls in personas.values())
    assert not {key: found for key, found in problems.items() if found}, _report(problems, visited)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_queue_filters_fit_their_column(browser, live_server, world, size):  # noqa: F811
    """The case queue's filters, its sort order included, are whole inside their column."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=size)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, *world["caseworker"])
    page.goto("/staff/cases/")
    form = page.get_by_role("main").locator("form[method=get]").first
    column = form.bounding_box()
    sort = page.get_by_role("group", name="Sort by")
    for option in ("Due date, soonest first", "Due date, latest first"):
        assert sort.get_by_label(option, exact=True).is_visible()
    # (GOV.UK's radio and checkbox inputs are invisible, a little outside; their labels draw them.)
    controls = form.locator("select, input:not([type=hidden], [type=checkbox], [type=radio]), label, legend")
    assert controls.count() > 6
    for control in controls.all():
        box = control.bounding_box()
        assert column["x"] - 1 <= box["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 1, (
            f"{control.evaluate('e => e.outerHTML')[:120]} sticks out of the filters"
        )
        # A select or label narrower than its text cuts the text off
        assert control.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), control.evaluate("e => e.outerHTML")[:120]
    page.get_by_label("Due date, latest first", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert "sort=-due" in page.url
    assert page.get_by_label("Due date, latest first", exact=True).is_checked()
    context.close()
