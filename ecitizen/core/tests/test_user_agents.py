"""User-Agent headers said for people ("Chrome on Linux"), for the sessions pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from ecitizen.core.user_agents import Device, parse_user_agent

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("header", "browser", "system"),
    [
        (CHROME_LINUX, "Chrome", "Linux"),
        (SAFARI_IPHONE, "Safari", "iPhone"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Edge",
            "Windows",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari",
            "macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet",
            "Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome",
            "Android",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "Chrome",
            "iPad",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
            "Firefox",
            "iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
            "Opera",
            "Windows",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome",
            "ChromeOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/131.0.0.0 Safari/537.36",
            "Chrome",
            "Linux",
        ),
        ("Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer", "Windows"),
        ("curl/8.5.0", "", ""),
        ("", "", ""),
        (None, "", ""),
    ],
)
def test_browsers_and_systems(header, browser, system):
    assert parse_user_agent(header) == Device(browser=browser, system=system)


@pytest.mark.parametrize(
    ("device", "said"),
    [
        (Device("Chrome", "Linux"), "Chrome on Linux"),
        (Device("Safari", "iPhone"), "Safari on iPhone"),
        (Device("Firefox", ""), "Firefox"),
        (Device("", "Android"), "A browser on Android"),
        (Device("", ""), "Unknown browser"),
    ],
)
def test_said_for_people(device, said):
    assert str(device) == said


def test_the_filter_names_the_browser_and_never_fails():
    rendered = Template("{% load user_agents %}{{ ua|device_name }}").render(Context({"ua": SAFARI_IPHONE}))
    assert rendered == "Safari on iPhone"
    assert Template("{% load user_agents %}{{ ua|device_name }}").render(Context({})) == "Unknown browser"
