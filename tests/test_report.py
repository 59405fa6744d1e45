"""The manager's report: figures from a store with known answers, the JSON keys, and the page in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli import report as rp
from recoverycli import report_view
from recoverycli.cli import app
from recoverycli.models import Customer, Event, PlaybookRef
from recoverycli.playbooks import Library, bundled_dir
from recoverycli.query import CaseFilter
from recoverycli.store import iso, open_store

from tests.test_store import make_case

runner = CliRunner()
SINCE, UNTIL, TODAY = date(2026, 11, 1), date(2026, 11, 30), "2026-11-20"
CAUSES = ["Breaker overloaded"] * 3 + ["breaker  OVERLOADED"] * 2 + ["Overloaded breaker", "Breaker overlaoded"] + ["Boiler timer"] * 4


@pytest.fixture
def known(store_url: str) -> str:
    """20 cases: 7 repeats, 10 follow-ups due by the 20th (4 on time, 3 late by 2 days, 3 overdue), 4 closed after 48 h."""
    store = open_store(store_url)
    for i in range(20):
        created = datetime(2026, 11, 2 + i % 14, 10, 0, tzinfo=timezone.utc)
        answers = {"customer_words": f"Problem {i}", "commitment": "Fix by 18:00",
                   "follow_up_date": "2026-11-10" if i < 10 else "2026-11-25",
                   "gesture": "meal" if i < 10 else "keepsake" if i < 15 else "Tickets to the zoo"}
        if i < len(CAUSES):
            answers["root_cause"] = CAUSES[i]
            if i < 7:
                answers["room_number"] = "412"
        if i < 5:
            answers["incident_at"] = (created - timedelta(minutes=60)).isoformat()
        case = make_case(**answers).model_copy(update={
            "created_at": created, "updated_at": created,
            "customer": Customer(name=f"Guest {i}", contact=f"g{i}@example.com", segment="family"),
            "playbook": PlaybookRef(id="room-failure" if i < 12 else "other", version=1, hash="h"),
            "complaint_number": 2 if i >= 13 else 1, "severity": "emergency" if i >= 13 else "normal",
            "events": [Event(at=created, staff="Dana", kind="created")]
            + ([Event(at=created, staff="Dana", kind="coached", data={"prompt": "apology", "flags": ["excuse"], "kept": i != 0})] if i < 3 else []),
        })
        saved = store.add(case)
        done = "2026-11-09T12:00:00+00:00" if i < 4 else "2026-11-12T12:00:00+00:00" if i < 7 else None
        closed = iso(created + timedelta(hours=48)) if 16 <= i < 20 else None
        store.execute("UPDATE cases SET follow_up_done_at = ?, closed_at = ?, status = ? WHERE id = ?",
                           (done, closed, "closed" if closed else "open", saved.id))
    return store_url


def figures(store_url: str, today: str = TODAY, **filters: str) -> dict:
    books = {pid: Library([bundled_dir()]).get(pid) for pid in ("room-failure", "other")}
    return rp.build(open_store(store_url).aggregates(CaseFilter(since=SINCE, until=UNTIL, **filters), today), SINCE, UNTIL, books, True, {})


def test_figures_from_a_store_with_known_answers(known: str) -> None:
    r = figures(known)
    assert r["cases"]["total"] == 20
    assert r["cases"]["by_playbook"] == {"room-failure": 12, "other": 8}
    assert r["cases"]["by_status"] == {"open": 16, "closed": 4}
    assert sum(w["count"] for w in r["cases"]["per_week"]) == 20 and r["cases"]["per_week"][0]["week"] == "2026-11-02"
    assert r["repeats"] == {"cases": 7, "share": 0.35, "customers": [f"Guest {i}" for i in range(13, 20)], "customer_count": 7}
    assert r["promises"] == {"due": 10, "on_time": 4, "late": 3, "overdue": 3, "median_days_late": 2.0}
    assert r["speed"]["incident_to_contact_minutes"] == {"n": 5, "median": 60.0, "p90": 60.0}
    assert r["speed"]["contact_to_close_hours"] == {"n": 4, "median": 48.0, "p90": 48.0}
    top = r["root_causes"][0]
    assert top["count"] == 7 and top["cause"] == "Breaker overloaded" and top["playbooks"] == {"room-failure": 7}
    assert top["places"] == {"412": 7} and "Breaker overlaoded" in top["variants"]
    assert r["root_causes"][1]["count"] == 4
    g = r["gestures"]
    assert (g["total"], g["consumable_share"], g["rough_cost"], g["unpriced"]) == (20, 0.5, 10 * 40 + 5 * 15, 5)
    assert r["coaching"] == [{"rule": "excuse", "count": 3, "kept": 2}]


def test_filters_narrow_the_report(known: str) -> None:
    assert figures(known, playbook="other")["cases"]["total"] == 8
    assert figures(known, staff="nobody")["cases"]["total"] == 0


def test_json_keys_are_pinned(known: str) -> None:
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert tuple(data) == rp.KEYS
    assert list(data["cases"]) == ["total", "by_status", "by_playbook", "per_week"]
    assert list(data["repeats"]) == ["cases", "share", "customers", "customer_count"]
    assert data["repeats"]["customers"] is None  # names only with --show-customers
    assert list(data["promises"]) == ["due", "on_time", "late", "overdue", "median_days_late"]
    assert list(data["speed"]) == ["incident_to_contact_minutes", "contact_to_close_hours"]
    assert list(data["gestures"]) == ["total", "consumable_share", "rough_cost", "unpriced", "by_gesture"]
    assert list(data["root_causes"][0]) == ["cause", "count", "variants", "playbooks", "places"]
    shown = json.loads(runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "json",
                                           "--show-customers"]).stdout)
    assert len(shown["repeats"]["customers"]) == 7


def test_terminal_report_fits_80_columns_without_colour(known: str) -> None:
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b[" not in result.stdout
    assert "Breaker overloaded" in result.stdout and "█" in result.stdout and "35 %" in result.stdout


def test_html_needs_an_output_file(known: str) -> None:
    assert runner.invoke(app, ["report", "--format", "html"]).exit_code == 2


class Charts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, list[tuple[str, float]]] = {}
        self.current: str | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure" and a.get("data-chart"):
            self.current = a["data-chart"]
            self.charts[self.current] = []
        if tag == "rect" and self.current:
            self.charts[self.current].append((a["data-label"] or "", float(a["data-value"] or 0)))
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key] or "")


def test_html_page_carries_every_chart_with_its_data(known: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "html", "-o", str(page)])
    assert result.exit_code == 0, result.output
    parser = Charts()
    parser.feed(page.read_text())
    data = figures(known, today=date.today().isoformat())  # the command counts overdue as of today, as a manager would
    for chart_id, _, expected in report_view.charts(data):
        assert parser.charts[chart_id] == [(str(label), float(v)) for label, v in expected], chart_id
    assert parser.charts["cases-by-playbook"] == [("room-failure", 12.0), ("other", 8.0)]
    assert parser.external == []  # self-contained: no network, no CDN
    assert oct(page.stat().st_mode & 0o777) == "0o600"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_page_renders_in_a_real_browser(known: str, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must render the page: .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium)")
    from PIL import Image

    page = tmp_path / "report.html"
    runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "html", "-o", str(page)])
    png = tmp_path / "report.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=420,1800", page.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert png.exists(), "chromium wrote no screenshot"
    image = Image.open(png).convert("RGB")
    assert image.size == (420, 1800)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text and bars, not a blank page
    blue = sum(n for n, (r, g, b) in colours if b > 180 and r < 100 and g < 140)
    assert blue > 2000  # the bars were drawn


# percentile_cont(0.5) and (0.9) over these values, worked by hand: rank (n - 1) * p from 0, interpolated
PERCENTILES = [
    ([25.9, 120.7], 73.3, 111.2),            # even count: halfway between the two middle values, not the upper one
    ([1, 2, 3, 4, 100], 3.0, 61.6),          # odd count: the middle value; p90 at rank 3.6
    ([float(v) for v in range(1, 11)], 5.5, 9.1),  # p90 of 10 values is not the maximum
    ([42.0], 42.0, 42.0),
]


@pytest.mark.parametrize(("hours", "median", "p90"), PERCENTILES)
def test_median_and_p90_interpolate_as_percentile_cont(store_url: str, hours: list[float], median: float, p90: float) -> None:
    store = open_store(store_url)
    created = datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)
    for h in reversed(hours):  # stored out of order: the store sorts
        saved = store.add(make_case(customer_words="x").model_copy(update={"created_at": created, "updated_at": created}))
        store.execute("UPDATE cases SET status = 'closed', closed_at = ? WHERE id = ?", (iso(created + timedelta(hours=h)), saved.id))
    speed = store.aggregates(CaseFilter(since=SINCE, until=UNTIL), TODAY)["to_close_hours"]
    assert speed == {"n": len(hours), "median": median, "p90": p90}
    if store_url.startswith("postgresql"):  # the definition we state is PostgreSQL's own
        native = store.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FROM"
            " (SELECT extract(epoch FROM closed_at::timestamptz - created_at::timestamptz) / 3600 AS v FROM cases) s").fetchone()
        assert (round(float(native[0]), 1), round(float(native[1]), 1)) == (median, p90)
