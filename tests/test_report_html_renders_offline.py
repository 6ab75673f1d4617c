"""report.html is one self-contained page: it renders in headless Chromium, shows the charts,
and asks the network for nothing (no CDN script, stylesheet or font; images embedded)."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from tests.browser import CHROMIUM

# A report built in a kernel, rendered in headless Chromium.
pytestmark = pytest.mark.slow

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed (.ci/run installs it)"
)
ENDPOINT_UP = (0xA5, 0xD6, 0xA7)  # report_charts.UP
EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class Resources(HTMLParser):
    """Every URL the page would load by itself: src/href of loading tags, CSS url() and @import."""

    LOADING = {"script", "link", "img", "iframe", "source", "video", "audio", "embed", "object"}

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"
        if tag in self.LOADING:
            for name, value in attrs:
                if name in ("src", "href", "data", "srcset", "poster") and value:
                    self.urls.append((tag, value))
        for name, value in attrs:
            if name == "style" and value:
                self.urls += [("style", u) for u in re.findall(r"url\(([^)]*)\)", value)]

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("css", u.strip("'\" ")) for u in re.findall(r"url\(([^)]*)\)", data)]
            self.urls += [("css", u) for u in re.findall(r"@import\s+['\"]?([^'\";]+)", data)]


@pytest.fixture
def report_html(built_archives) -> Path:
    """The report of the database fixture (the one with canaries: three charts)."""
    return Path(built_archives["database-data-loss"].paths.html)


def resources(path: Path) -> Resources:
    parser = Resources()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_the_page_loads_nothing_from_outside(report_html):
    found = resources(report_html)
    assert [url for _, url in found.urls if EXTERNAL.match(url)] == []
    assert "script" not in found.tags and "link" not in found.tags
    text = report_html.read_text(encoding="utf-8").lower()
    for name in ("mathjax", "require.js", "cdnjs", "unpkg", "fonts.googleapis"):
        assert name not in text


def test_every_chart_is_embedded_as_a_data_url_with_its_alternative_text(report_html):
    images = [url for tag, url in resources(report_html).urls if tag == "img"]
    assert len(images) == 3
    assert all(url.startswith("data:image/png;base64,") for url in images)
    text = report_html.read_text(encoding="utf-8")
    assert 'alt="Timeline of 20240319T093000Z-database-failure-554f70: each step' in text


def test_the_page_holds_the_reports_sections(report_html):
    text = report_html.read_text(encoding="utf-8")
    assert "<title>Exercise report 20240319T093000Z-database-failure-554f70</title>" in text
    for heading in ("Timeline", "Recovery objectives", "Data loss", "Recommendations"):
        assert f">{heading}<" in text
    assert "restore by 21:30:06 UTC on 2024-03-19" in text
    assert "import bookstore_resil" not in text  # code cells are left out


def chromium(page: Path, workdir: Path) -> tuple[Path, Path]:
    """Screenshot ``page`` with headless Chromium, logging its network activity."""
    shot, net_log = workdir / "shot.png", workdir / "net-log.json"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={workdir / 'profile'}",
            f"--log-net-log={net_log}",
            f"--screenshot={shot}",
            "--window-size=1200,3000",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    return shot, net_log


def page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for. Chromium's own requests (updates, accounts) carry the
    initiator "not an origin"; anything a file:// page loads carries "null"."""
    log = json.loads(net_log.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start
        and event.get("params", {}).get("url")
        and event["params"].get("initiator") != "not an origin"
    ]


@needs_chromium
def test_chromium_renders_the_report_and_requests_nothing(report_html, tmp_path):
    shot, net_log = chromium(report_html, tmp_path)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 3000)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 100  # charts drawn, not one blank colour
    most, _ = max(colours)
    assert most < 0.9 * image.size[0] * image.size[1]
    counts = {colour: count for count, colour in colours}
    assert counts.get(ENDPOINT_UP, 0) > 5000  # the timeline's availability bars are on screen
    assert page_requests(net_log) == []


@needs_chromium
def test_the_network_check_does_catch_a_page_that_loads_from_outside(tmp_path):
    page = tmp_path / "control.html"
    page.write_text('<html><body><img src="http://127.0.0.1:9/chart.png">control</body></html>')
    _, net_log = chromium(page, tmp_path)
    assert page_requests(net_log) == ["http://127.0.0.1:9/chart.png"]
