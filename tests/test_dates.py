from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoverycli.dates import parse_date, parse_future_date

WED = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", WED),
        ("Tomorrow", WED + timedelta(days=1)),
        ("fri", date(2026, 11, 27)),
        ("friday", date(2026, 11, 27)),
        ("next monday", date(2026, 11, 30)),
        ("wed", date(2026, 12, 2)),  # a weekday name never means today
        ("+3d", date(2026, 11, 28)),
        ("in 2 days", date(2026, 11, 27)),
        ("in 1 week", date(2026, 12, 2)),
        ("+2w", date(2026, 12, 9)),
        ("2026-12-01", date(2026, 12, 1)),
        ("  2026-12-01 ", date(2026, 12, 1)),
    ],
)
def test_spoken_dates_resolve(text: str, expected: date) -> None:
    assert parse_date(text, WED) == expected


@pytest.mark.parametrize("text", ["", "soon", "whenever", "+3 fortnights", "2026-13-01", "32/12", "mo"])
def test_unknown_dates_say_what_to_type(text: str) -> None:
    with pytest.raises(ValueError, match="tomorrow"):
        parse_date(text, WED)


def test_past_date_is_refused_for_a_follow_up() -> None:
    with pytest.raises(ValueError, match="in the past"):
        parse_future_date("2026-11-24", WED)
    assert parse_future_date("today", WED) == WED


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 400))
def test_relative_days_always_add_up(today: date, n: int) -> None:
    assert parse_date(f"+{n}d", today) == today + timedelta(days=n)
    assert parse_date(f"in {n} days", today) == today + timedelta(days=n)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
)
def test_weekday_is_within_the_next_seven_days(today: date, day: str) -> None:
    d = parse_date(day, today)
    assert 1 <= (d - today).days <= 7
    assert d.strftime("%a").lower() == day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_iso_dates_round_trip(d: date) -> None:
    assert parse_date(d.isoformat(), date(2000, 1, 1)) == d


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_value_error(text: str) -> None:
    try:
        parse_date(text, WED)
    except ValueError:
        pass


def test_dates_and_times_are_said_the_way_a_clerk_reads_them_out() -> None:
    from datetime import datetime

    from recoverycli.dates import say_date, say_time

    assert say_date(WED, WED) == "today, Wednesday 25 November"
    assert say_date(WED + timedelta(days=1), WED) == "tomorrow, Thursday 26 November"
    assert say_date(date(2026, 11, 27), WED) == "Friday 27 November"
    assert say_date(date(2027, 1, 4), WED) == "Monday 4 January 2027"
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).astimezone()
    assert say_time(now.replace(hour=7, minute=40), now) == "today 07:40"
    assert say_time(now - timedelta(days=1), now).startswith("yesterday ")
    assert say_time(now - timedelta(days=3), now).startswith("Sun 22 Nov ")


def test_call_back_times_as_typed_by_hand() -> None:
    """hostile pass 3, F8/F9: ISO with Z, four-digit amounts, year 0 and the end of time are answered in words."""
    from datetime import UTC, datetime

    import pytest

    from recoverycli.dates import parse_later

    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert parse_later("2026-11-27T10:00Z", now) == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert (parse_later("in 1000 minutes", now) - now).total_seconds() == 60_000
    for typed, said in (
        ("0000-01-01 10:00", "is not a time I know"),
        ("in 99999 days", "is more than a month away"),
        ("2026-12-28 09:00+00:00", "is more than a month away"),
    ):
        with pytest.raises(ValueError, match=said):
            parse_later(typed, now)
    assert parse_later("2026-12-27 08:00+00:00", now)  # 31 days less an hour: still a call-back
