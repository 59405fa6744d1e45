"""The report as the core makes it (caselog.report.make_report): its default period and its playbook titles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef
from recoverycli.caselog.report import make_report
from recoverycli.playbooks.library import Library, bundled_dir
from recoverycli.store import open_store

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def seed(store_path: Path, *days: date, staff: str = "Dana Reyes") -> None:
    store = open_store(store_path)
    for day in days:
        at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
        store.add(
            Case(
                id="RC-NEW",
                status="open",
                created_at=at,
                updated_at=at,
                staff=staff,
                customer=Customer(name="Ana Souza", contact="+1 555 0100", segment="business"),
                playbook=PlaybookRef(id="other", version=1, hash="abc"),
                answers={"customer_words": "It broke.", "follow_up_date": "2026-11-27"},
                events=[Event(at=at, staff=staff, kind="created", data={"via": "wizard"})],
            )
        )


def test_without_dates_the_report_covers_the_last_30_days(store_path: Path) -> None:
    seed(store_path, date(2026, 11, 10), date(2026, 10, 21), date(2026, 10, 1))
    made = make_report(open_store(store_path), {}, TODAY, NOW)
    assert made.data["period"] == {"since": "2026-10-21", "until": "2026-11-20", "playbook": None, "staff": None}
    assert made.data["cases"]["total"] == 2 and made.unreadable == []


def test_a_given_start_or_end_replaces_only_its_own_edge(store_path: Path) -> None:
    seed(store_path, date(2026, 11, 10), date(2026, 10, 1), date(2026, 9, 1))
    store = open_store(store_path)
    wider = make_report(store, {}, TODAY, NOW, since=date(2026, 9, 15))
    assert wider.data["period"]["since"] == "2026-09-15" and wider.data["period"]["until"] == "2026-11-20"
    assert wider.data["cases"]["total"] == 2
    earlier = make_report(store, {}, TODAY, NOW, until=date(2026, 10, 31))
    assert earlier.data["period"]["since"] == "2026-10-21" and earlier.data["cases"]["total"] == 0


def test_filters_are_named_in_the_period_and_applied(store_path: Path) -> None:
    seed(store_path, date(2026, 11, 10))
    seed(store_path, date(2026, 11, 11), staff="Sam Lee")
    made = make_report(open_store(store_path), {}, TODAY, NOW, staff="Sam Lee")
    assert made.data["period"]["staff"] == "Sam Lee" and made.data["cases"]["total"] == 1


def test_playbooks_are_titled_from_the_catalogue_and_by_id_when_gone(store_path: Path) -> None:
    seed(store_path, date(2026, 11, 10))
    store = open_store(store_path)
    books, _ = Library([bundled_dir()]).usable()
    titled = make_report(store, books, TODAY, NOW).data["cases"]["playbook_titles"]
    assert titled == {"other": books["other"].title} and books["other"].title
    assert make_report(store, {}, TODAY, NOW).data["cases"]["playbook_titles"] == {"other": "other"}
