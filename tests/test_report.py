"""The manager's report: figures from a store with known answers, the JSON keys, and the page in a real browser."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from recoverycli.caselog import report as rp
from recoverycli.caselog.filters import CaseFilter
from recoverycli.caselog.record import Customer, Event, PlaybookRef
from recoverycli.cli import app
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.store import iso, open_store
from recoverycli.ui import report as report_view
from tests.helpers import make_case

runner = CliRunner()
SINCE, UNTIL, TODAY = date(2026, 11, 1), date(2026, 11, 30), "2026-11-20"
CAUSES = (
    ["Breaker overloaded"] * 3
    + ["breaker  OVERLOADED"] * 2
    + ["Overloaded breaker", "Breaker overlaoded"]
    + ["Boiler timer"] * 4
)


@pytest.fixture
def known(store_url: str) -> str:
    """20 cases: 7 repeats, 10 follow-ups due by the 20th (4 on time, 3 late by 2 days, 3 overdue), 4 closed after 48
    h."""
    store = open_store(store_url)
    for i in range(20):
        created = datetime(2026, 11, 2 + i % 14, 10, 0, tzinfo=UTC)
        answers = {
            "customer_words": f"Problem {i}",
            "commitment": "Fix by 18:00",
            "follow_up_date": "2026-11-10" if i < 10 else "2026-11-25",
            "gesture": "meal" if i < 10 else "keepsake" if i < 15 else "Tickets to the zoo",
        }
        if i < len(CAUSES):
            answers["root_cause"] = CAUSES[i]
            if i < 7:
                answers["room_number"] = "412"
        if i < 5:
            answers["incident_at"] = (created - timedelta(minutes=60)).isoformat()
        case = make_case(**answers).model_copy(
            update={
                "created_at": created,
                "updated_at": created,
                "customer": Customer(name=f"Guest {i}", contact=f"g{i}@example.com", segment="family"),
                "playbook": PlaybookRef(id="room-failure" if i < 12 else "other", version=1, hash="h"),
                "complaint_number": 2 if i >= 13 else 1,
                "severity": "emergency" if i >= 13 else "normal",
                "events": [Event(at=created, staff="Dana", kind="created")]
                + (
                    [
                        Event(
                            at=created,
                            staff="Dana",
                            kind="coached",
                            data={"prompt": "apology", "flags": ["excuse"], "kept": i != 0},
                        )
                    ]
                    if i < 3
                    else []
                ),
            }
        )
        saved = store.add(case)
        done = "2026-11-09T12:00:00+00:00" if i < 4 else "2026-11-12T12:00:00+00:00" if i < 7 else None
        closed = iso(created + timedelta(hours=48)) if 16 <= i < 20 else None
        store.execute(
            "UPDATE cases SET follow_up_done_at = ?, closed_at = ?, status = ? WHERE id = ?",
            (done, closed, "closed" if closed else "open", saved.id),
        )
    return store_url


def figures(store_url: str, today: str = TODAY, **filters: str) -> dict:
    books = {pid: Library([bundled_dir()]).get(pid) for pid in ("room-failure", "other")}
    return rp.build(
        open_store(store_url).aggregates(CaseFilter(since=SINCE, until=UNTIL, **filters), today),
        SINCE,
        UNTIL,
        books,
        True,
        {},
    )


def test_figures_from_a_store_with_known_answers(known: str) -> None:
    r = figures(known)
    assert r["cases"]["total"] == 20
    assert r["cases"]["by_playbook"] == {"room-failure": 12, "other": 8}
    assert r["cases"]["by_status"] == {"open": 16, "closed": 4}
    assert sum(w["count"] for w in r["cases"]["per_week"]) == 20 and r["cases"]["per_week"][0]["week"] == "2026-11-02"
    assert r["repeats"] == {
        "cases": 7,
        "share": 0.35,
        "customers": [f"Guest {i}" for i in range(13, 20)],
        "customer_count": 7,
    }
    assert r["promises"] == {
        "due": 10,
        "on_time": 4,
        "late": 3,
        "overdue": 3,
        "due_today": 0,
        "closed_undone": 0,
        "median_days_late": 2.0,
    }
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
    assert list(data["cases"]) == ["total", "by_status", "by_playbook", "per_week", "playbook_titles"]
    assert list(data["cases"]["per_week"][0]) == ["week", "count", "by_playbook", "by_status", "days", "partial"]
    assert list(data["repeats"]) == ["cases", "share", "customers", "customer_count"]
    assert data["repeats"]["customers"] is None  # names only with --show-customers
    assert list(data["promises"]) == [
        "due",
        "on_time",
        "late",
        "overdue",
        "due_today",
        "closed_undone",
        "median_days_late",
    ]
    assert list(data["speed"]) == ["incident_to_contact_minutes", "contact_to_close_hours"]
    assert list(data["gestures"]) == ["total", "consumable_share", "rough_cost", "unpriced", "by_gesture", "currency"]
    assert list(data["root_causes"][0]) == ["cause", "count", "variants", "playbooks", "places"]
    shown = json.loads(
        runner.invoke(
            app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "json", "--show-customers"]
        ).stdout
    )
    assert len(shown["repeats"]["customers"]) == 7


def test_terminal_report_fits_80_columns_without_colour(known: str) -> None:
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b[" not in result.stdout
    assert "Breaker overloaded" in result.stdout and "█" in result.stdout and "35 %" in result.stdout


def test_terminal_report_says_durations_as_people_do_and_overdue_stands_out(known: str) -> None:
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30"], env={"COLUMNS": "80"})
    text = flat(result.stdout)
    assert "Incident → contact median 1 h, 90th percentile 1 h (5 cases)" in text
    assert "Contact → close median 2 days, 90th percentile 2 days (4 cases)" in text
    assert "3 late (median 2 days late)" in text and " min" not in text.split("Contact → close")[1].split("Gestures")[0]
    assert re.search(r"Overdue promises \d+ follow-up\(s\) past their date and not done", text)  # overdue as of today
    assert "Something in the room failed" in text  # charts name playbooks by title


def test_a_follow_up_due_today_has_its_own_bucket_so_the_figures_add_up(known: str, tmp_path: Path) -> None:
    store = open_store(known)
    store.add(make_case(customer_words="Dark", follow_up_date=TODAY))  # due today, not done yet
    p = figures(known)["promises"]
    assert p["due"] == 11 and p["due_today"] == 1
    assert p["due"] == p["on_time"] + p["late"] + p["overdue"] + p["due_today"]
    today = date.today().isoformat()
    store.add(make_case(customer_words="Cold", follow_up_date=today))
    args = ["report", "--since", "2026-11-01", "--until", "2026-11-30"]
    text = flat(runner.invoke(app, args, env={"COLUMNS": "80"}).stdout)
    shown = figures(known, today=today)["promises"]
    buckets = ("on_time", "late", "overdue", "due_today", "closed_undone")
    assert shown["due"] == sum(shown[k] for k in buckets) and shown["closed_undone"] > 0
    assert f"{shown['overdue']} still overdue, {shown['due_today']} due today" in text
    assert f"{shown['closed_undone']} closed without one" in text
    page = tmp_path / "r.html"
    assert runner.invoke(app, [*args, "--format", "html", "-o", str(page)]).exit_code == 0
    assert "due today" in page.read_text()


def test_durations_read_as_people_say_them() -> None:
    from recoverycli.dates import spoken_duration

    assert [spoken_duration(m) for m in (0.2, 42, 60, 200, 1252, 3600, 14190)] == [
        "under a minute",
        "42 min",
        "1 h",
        "3 h 20 min",
        "20 h 52 min",
        "2.5 days",
        "9.9 days",
    ]


def test_gesture_cost_carries_the_configured_currency(known: str, isolated_home: Path) -> None:
    args = ["report", "--since", "2026-11-01", "--until", "2026-11-30"]
    assert "no currency set" in flat(runner.invoke(app, args, env={"COLUMNS": "100"}).stdout)
    config = isolated_home / "config" / "recover" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('staff = "Dana"\ncurrency = "EUR"\n')
    assert "rough cost 475 EUR" in flat(runner.invoke(app, args, env={"COLUMNS": "100"}).stdout)
    assert json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)["gestures"]["currency"] == "EUR"


def test_a_week_the_period_cuts_is_marked_partial() -> None:
    rows = [("2026-10-26", "other", "open", 2), ("2026-11-02", "other", "open", 5), ("2026-11-30", "other", "open", 1)]
    weeks = rp.weekly(rows, date(2026, 10, 28), date(2026, 12, 1))  # a Wednesday to a Tuesday
    assert [(w["week"], w["days"], w["partial"]) for w in weeks] == [
        ("2026-10-26", 5, True),
        ("2026-11-02", 7, False),
        ("2026-11-30", 2, True),
    ]
    labels = [
        label
        for label, _ in report_view.charts(
            {
                **rp.build(EMPTY_AGG, date(2026, 10, 28), date(2026, 12, 1), {}, False, {}),
                "cases": {"per_week": weeks, "by_playbook": {}, "by_status": {}},
            }
        )[0].data
    ]
    assert labels == ["2026-10-26, partial (5 of 7 days)", "2026-11-02", "2026-11-30, partial (2 of 7 days)"]


EMPTY_AGG = {
    "total": 0,
    "by_status": {},
    "by_playbook": {},
    "weeks": [],
    "root_causes": [],
    "repeats": 0,
    "repeat_customers": [],
    "promises": {"due": 0, "on_time": 0, "late": 0, "overdue": 0},
    "late_days": {"median": None},
    "to_contact_minutes": {"n": 0, "median": None, "p90": None},
    "to_close_hours": {"n": 0, "median": None, "p90": None},
    "gestures": [],
    "coaching": [],
}


def test_long_root_causes_wrap_in_the_terminal(store_url: str) -> None:
    cause = "Night porter could not reach the on-call electrician because the rota list at the desk was out of date"
    open_store(store_url).add(
        make_case(customer_words="x", root_cause=cause).model_copy(
            update={"created_at": datetime(2026, 11, 4, 9, tzinfo=UTC)}
        )
    )
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30"], env={"COLUMNS": "80"})
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert cause in flat(re.sub(r"[█\d]", "", result.stdout))
    assert "…" not in result.stdout


def flat(screen: str) -> str:
    """Terminal text without box drawing, wrapped lines joined: what a reader takes in."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", screen).split())


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
    result = runner.invoke(
        app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "html", "-o", str(page)]
    )
    assert result.exit_code == 0, result.output
    parser = Charts()
    parser.feed(page.read_text())
    data = figures(known, today=date.today().isoformat())  # the command counts overdue as of today, as a manager would
    for chart in report_view.charts(data):
        assert parser.charts[chart.id] == [(str(label), float(v)) for label, v in chart.data], chart.id
    assert parser.charts["cases-by-playbook"] == [
        ("Something in the room failed", 12.0),
        ("Something else went wrong", 8.0),
    ]
    assert parser.external == []  # self-contained: no network, no CDN
    assert oct(page.stat().st_mode & 0o777) == "0o600"


WORDS_BROKEN_IN_CELLS = """
[...document.querySelectorAll('table.data th, table.data td')]
  .filter(c => c.innerText.trim() && !/\\s/.test(c.innerText.trim()))
  .map(c => { const r = document.createRange(); r.selectNodeContents(c);
              return [c.innerText.trim(), r.getClientRects().length]; })
  .filter(([, lines]) => lines > 1)
"""


def test_html_page_on_a_phone_every_label_legible_and_every_chart_named(known: str, tmp_path: Path) -> None:
    """Headless Chromium at 390 px: nothing narrower than the screen, no text under 12 px, each chart named by its
    title."""
    from tests.browser import SMALLEST_TEXT, Browser, need_chromium

    binary = need_chromium()
    store = open_store(known)
    long_cause = (
        "Night porter could not reach the on-call electrician because the rota list at the desk was out of date"
    )
    saved = store.add(
        make_case(customer_words="Dark again", root_cause=long_cause, follow_up_date="2026-11-05").model_copy(
            update={"created_at": datetime(2026, 11, 4, 9, tzinfo=UTC)}
        )
    )
    page = tmp_path / "report.html"
    result = runner.invoke(
        app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "html", "-o", str(page)]
    )
    assert result.exit_code == 0, result.output
    with Browser(binary) as browser:
        browser.open(page, width=390)
        assert browser.evaluate("innerWidth") == 390
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        sizes = browser.evaluate(SMALLEST_TEXT)
        assert sizes[0][0] >= 12, sizes[:5]  # the smallest label, as laid out at 390 px
        shown = browser.evaluate("document.body.innerText")
        assert long_cause in " ".join(shown.split())  # the whole cause, wrapped, not cut
        assert browser.evaluate(WORDS_BROKEN_IN_CELLS) == []  # "Cases", "Places", "412": never split mid-word
        names = {
            n.get("name", {}).get("value")
            for n in browser.accessibility_tree()
            if n.get("role", {}).get("value") == "figure"
        }
        browser.screenshot(tmp_path / "phone.png")
    for chart in report_view.charts(figures(known)):
        assert chart.title in names, chart.title
    from PIL import Image

    image = Image.open(tmp_path / "phone.png").convert("RGB")
    assert image.size[0] == 390
    colours = image.getcolors(maxcolors=1 << 22) or []
    assert sum(n for n, (r, g, b) in colours if (r, g, b) == (0x3B, 0x6F, 0xD8)) > 2000  # the bars were drawn
    assert sum(n for n, (r, g, b) in colours if (r, g, b) == (0xB3, 0x26, 0x1E)) > 50  # and the overdue one in red
    assert saved.id


# percentile_cont(0.5) and (0.9) over these values, worked by hand: rank (n - 1) * p from 0, interpolated
PERCENTILES = [
    ([25.9, 120.7], 73.3, 111.2),  # even count: halfway between the two middle values, not the upper one
    ([1, 2, 3, 4, 100], 3.0, 61.6),  # odd count: the middle value; p90 at rank 3.6
    ([float(v) for v in range(1, 11)], 5.5, 9.1),  # p90 of 10 values is not the maximum
    ([42.0], 42.0, 42.0),
]


@pytest.mark.parametrize(("hours", "median", "p90"), PERCENTILES)
def test_median_and_p90_interpolate_as_percentile_cont(
    store_url: str, hours: list[float], median: float, p90: float
) -> None:
    store = open_store(store_url)
    created = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    for h in reversed(hours):  # stored out of order: the store sorts
        saved = store.add(
            make_case(customer_words="x").model_copy(update={"created_at": created, "updated_at": created})
        )
        store.execute(
            "UPDATE cases SET status = 'closed', closed_at = ? WHERE id = ?",
            (iso(created + timedelta(hours=h)), saved.id),
        )
    speed = store.aggregates(CaseFilter(since=SINCE, until=UNTIL), TODAY)["to_close_hours"]
    assert speed == {"n": len(hours), "median": median, "p90": p90}
    if store_url.startswith("postgresql"):  # the definition we state is PostgreSQL's own
        native = store.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_cont(0.9) WITHIN GROUP (ORDER BY v) FROM"
            " (SELECT extract(epoch FROM closed_at::timestamptz - created_at::timestamptz) / 3600 AS v FROM cases) s"
        ).fetchone()
        assert (round(float(native[0]), 1), round(float(native[1]), 1)) == (median, p90)


def test_percentiles_read_from_windows_of_a_sample_are_those_of_a_full_sort(store_url: str) -> None:
    """The large-period path (a sample brackets each rank, only the values near it are read) gives what sorting
    every value gives: values spread out, some equal, a few cases not yet closed."""
    import random

    rnd = random.Random(18)
    store = open_store(store_url)
    created = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    for i in range(400):
        saved = store.add(
            make_case(
                customer_words="x", incident_at=iso(created - timedelta(minutes=rnd.randrange(1, 900)))
            ).model_copy(update={"created_at": created, "updated_at": created})
        )
        if i % 7:
            hours = rnd.choice([24, 48]) if i % 5 == 0 else round(rnd.uniform(1, 300), 3)
            store.execute(
                "UPDATE cases SET status = 'closed', closed_at = ? WHERE id = ?",
                (iso(created + timedelta(hours=hours)), saved.id),
            )
    sorted_out = store.aggregates(CaseFilter(since=SINCE, until=UNTIL), TODAY)
    found = []
    windows = type(store)._ranked_in_windows

    def spy(*args: object) -> object:
        found.extend(windows(*args))
        return found[-len(args[3]) :]

    type(store).window_from, type(store).sample_size, type(store)._ranked_in_windows = 1, 160, spy
    try:
        windowed = store.aggregates(CaseFilter(since=SINCE, until=UNTIL), TODAY)
    finally:
        del type(store).window_from, type(store).sample_size
        type(store)._ranked_in_windows = windows
    assert any(f is not None for f in found)  # the windows were read, not sorted instead
    for key in ("to_close_hours", "to_contact_minutes"):
        assert windowed[key] == sorted_out[key] and sorted_out[key]["n"] > 300


def test_root_causes_and_gestures_never_show_a_customer_quoted_in_them(store_url: str) -> None:
    """Free text may quote the customer, by name or by contact however written: hidden unless --show-customers.
    A group of many customers whose text holds only a room number stays as written, and cheaply: the store keeps,
    at save, which texts may quote their own customer (hostile pass 3, F15: 100,000 customers behind "Floor 4"
    built a matcher of every name, 14 s and 930 MB)."""
    store = open_store(store_url)
    at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)

    def case_for(who: Customer, cause: str, gesture: str):
        made = make_case(customer_words="It failed", follow_up_date="2026-11-27", root_cause=cause, gesture=gesture)
        return made.model_copy(update={"customer": who, "created_at": at, "updated_at": at})

    people = [
        Customer(name=f"Ada {chr(65 + n % 26)}{chr(97 + n // 26)}nwu", contact=f"+44 20 7946 {n:04d}", segment="couple")
        for n in range(40)
    ]
    for who in people:
        store.add(case_for(who, "Floor 4 breaker, room 412", "meal"))
    quoted = [
        (
            Customer(name="Zelda Quixote", contact="+1 212 555 0199", segment="vip"),
            "Zelda Quixote's key card failed",
            "meal",
        ),
        (
            Customer(name="Amit Rao", contact="amit.rao@example.com", segment="family"),
            "Sent to AMIT.RAO@example.com twice",
            "meal",
        ),
        (
            Customer(name="Lena Duty", contact="+1 (415) 555-0123", segment="couple"),
            "Rebooked after a call to 415 555 0123",
            "Dinner with Lena",
        ),
    ]
    for who, cause, gesture in quoted:
        store.add(case_for(who, cause, gesture))
    period = ["report", "--store", store_url, "--format", "json", "--since", "2026-11-01", "--until", "2026-11-30"]
    hidden = runner.invoke(app, period)
    assert hidden.exit_code == 0, hidden.output
    data = json.loads(hidden.stdout)
    causes = {c["cause"] for c in data["root_causes"]}
    assert causes == {
        "Floor 4 breaker, room 412",
        "[customer]'s key card failed",
        "Sent to [customer] twice",
        "Rebooked after a call to [customer]",
    }
    for secret in ("Zelda", "Quixote", "amit.rao", "0123", "Lena"):
        assert secret not in hidden.stdout
    shown = runner.invoke(app, [*period, "--show-customers"]).stdout
    assert "Zelda Quixote's key card failed" in shown and "Dinner with Lena" in shown and "415 555 0123" in shown
    asked: list = []
    fetch = store._people
    store._people = lambda p, keys, where, wanted: asked.extend(wanted) or fetch(p, keys, where, wanted)
    store.aggregates(CaseFilter(since=SINCE, until=UNTIL), TODAY)
    assert sorted(str(w[0]).lower() for w in asked) == [  # the names of the quoting groups' own customers only
        "dinner with lena",
        "rebooked after a call to 415 555 0123",
        "sent to amit.rao@example.com twice",
        "zelda quixote's key card failed",
    ]


def test_counts_at_chain_scale_read_as_counts_in_the_terminal_and_the_page() -> None:
    """A manager reads 1,204,311, not 1204311 or 1.20431e+06 (what `:g` made of a chart's count past a million)."""
    week = {"week": "2026-11-02", "count": 1_204_311, "by_playbook": {}, "by_status": {}, "days": 7, "partial": False}
    r = {
        **rp.build({**EMPTY_AGG, "total": 1_204_311}, date(2026, 11, 2), date(2026, 11, 8), {}, False, {}),
        "cases": {"total": 1_204_311, "per_week": [week], "by_playbook": {"other": 1_204_311}, "by_status": {}},
    }
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(report_view.terminal(r, 100))
    screen = flat(console.export_text())
    assert "Cases 1,204,311" in screen and "█ 1,204,311" in screen
    assert "1204311" not in screen and "e+06" not in screen
    page = report_view.html(r)
    assert ">1,204,311</span>" in page and 'data-value="1204311"' in page and "e+06" not in page


def test_a_surname_that_is_a_word_leaves_the_root_cause_readable(store_url: str) -> None:
    """Hostile pass 4: for customers Lee Power and Sam Heating, "power cut and heating failure" read "[customer] cut
    and [customer] failure". A lone part of a name is hidden where it is written as a name, the full name always."""
    store = open_store(store_url)
    at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    for name, cause in (
        ("Lee Power", "power cut and heating failure in block B"),
        ("Sam Heating", "power cut and heating failure in block B"),
        ("Ana Souza", "Mrs Souza's kettle blew the fuse; lee power said so"),
    ):
        made = make_case(customer_words="It failed", follow_up_date="2026-11-27", root_cause=cause)
        who = Customer(name=name, contact="+1 212 555 0100", segment="couple")
        store.add(made.model_copy(update={"customer": who, "created_at": at, "updated_at": at}))
    period = ["report", "--store", store_url, "--format", "json", "--since", "2026-11-01", "--until", "2026-11-30"]
    causes = {c["cause"] for c in json.loads(runner.invoke(app, period).stdout)["root_causes"]}
    assert causes == {
        "power cut and heating failure in block B",
        "Mrs [customer]'s kettle blew the fuse; lee power said so",
    }


def test_a_time_that_is_no_timestamp_gives_no_duration_and_is_not_counted(store_url: str) -> None:
    """Only an ISO 8601 time counts, by one rule on both stores (hostile pass 5, F4/F5): words PostgreSQL would read
    as of the day the row is written, a date in the desk's DateStyle, a bare time SQLite would put in 2000, a Julian
    day number, a day that does not exist. Such a case is left out of the speed figures, not ranked as the shortest
    or longest wait, nor a failed report; the same figures on SQLite and PostgreSQL."""
    store = open_store(store_url)
    created = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    times = [
        "2026-11-03T07:15:00+00:00",  # 45 minutes before the call
        "2026-11-03T06:30:00+00:00",  # 90
        "2026-11-03T08:30+01:00",  # 30: an offset of its own, to the minute
        "2026-11-03T07:00:00.5+01:00",  # 120, less half a second
        "2026-11-03 07:00",  # 60: naive, read as UTC
        "2026-11-03",  # 480: a date alone is its midnight
        *("last night", "yesterday", "now", "10:00", "11/12/2026 10:00", "2026-02-30T10:00", "2461000.5"),
        *(" 2026-11-03T07:00Z", "2026-11-03T25:00", "2026-13-01", "2026-1-3", ""),
    ]
    for incident in times:
        store.add(
            make_case(customer_words="x", incident_at=incident).model_copy(
                update={"created_at": created, "updated_at": created}
            )
        )
    figures = store.aggregates(CaseFilter(since=SINCE, until=UNTIL), TODAY)
    assert figures["to_contact_minutes"] == {"n": 6, "median": 75.0, "p90": 300.0}


def test_a_repeat_customer_whose_name_was_written_as_bytes_does_not_stop_the_report(store_path: Path) -> None:
    """Another tool wrote a name as a BLOB (SQLite keeps it so): the report still runs (hostile pass 5, F2)."""
    store = open_store(store_path)
    at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    saved = store.add(make_case(customer_words="x").model_copy(update={"created_at": at, "updated_at": at}))
    store.conn.execute(
        "UPDATE cases SET customer_name = x'4a6f20536d6f6b65', complaint_number = 2 WHERE id = ?", (saved.id,)
    )
    result = runner.invoke(app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["repeats"]["cases"] == 1
    for shown in (["--format", "json"], []):  # named, in JSON and in the table (it crashed on the bytes: F2, N3)
        result = runner.invoke(
            app, ["report", "--since", "2026-11-01", "--until", "2026-11-30", "--show-customers", *shown]
        )
        assert result.exit_code == 0, result.output
        assert "Jo Smoke" in result.stdout


def test_both_stores_read_the_same_texts_as_times_in_a_query_with_parameters(store_url: str) -> None:
    """The rule for 'is a time' (is_timestamp) on each store, inside SQL sent with parameters as the report's is."""
    store = open_store(store_url)
    texts = ["2026-11-03T07:15:00.000000+00:00", "2026-11-03 07:00", "2026-11-03", "2026-11-03T07:00Z"]
    texts += ["yesterday", "10:00", "11/12/2026 10:00", "2461000.5", ""]  # 30 February: refused when read as a time
    read = [
        bool(store.execute(f"SELECT {store.is_timestamp('v')} FROM (SELECT ? AS v) t", (text,)).fetchone()[0])
        for text in texts
    ]
    assert read == [True] * 4 + [False] * 5
