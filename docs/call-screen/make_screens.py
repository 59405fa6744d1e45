"""Redraw the SVG snapshots of the call screen in docs/call-screen/, one per step at 80×24.

Run by hand from a checkout, in a venv with the project installed:  python docs/call-screen/make_screens.py
It plays a room-failure call through the real screen (Textual's Pilot), a second complaint from
the same guest included, into a throwaway store, and saves what the clerk sees at each step.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the checkout, for tests.callscreen

os.environ.pop("NO_COLOR", None)

from tests.callscreen import type_keys, until  # noqa: E402

from recoverycli.call.live import live  # noqa: E402
from recoverycli.call.wizard import Call  # noqa: E402
from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef  # noqa: E402
from recoverycli.playbooks.library import Library, bundled_dir  # noqa: E402
from recoverycli.store import open_store  # noqa: E402
from recoverycli.ui.screen import CallScreen  # noqa: E402

SIZE = (80, 24)
# (question to wait for, file to save there or None, keys to type)
SCRIPT = [
    ("Customer's name?", "1-customer", "Mrs. Amara Obi\r"),
    ("Phone, email or booking reference?", None, "+1 555 0100\r"),
    ("Who is the customer?", None, ["down", "enter"]),
    ("who did you alert, and when?", "2-emergency", "Duty manager Lena, 07:55\r"),
    ("When did it happen?", None, "20 min ago\r"),
    ("Did the customer have to chase us", "3-apologise", "y\r"),
    ("What did you say to apologise?", None, "I'm so sorry, Mrs Obi, and sorry you had to call again.\r"),
    (
        "What happened, in the customer's own words?",
        "4-listen",
        "The power is off again, ten minutes before I have to "
        "leave for my presentation. Yesterday you said it was fixed for good.",
    ),
    ("What happened, in the customer's own words?", None, "\x04"),
    ("What do they need, and by when?", None, "Power or another room to get ready in, before 8:30\r"),
    ("Room number?", None, "412\r"),
    ("What failed?", None, ["enter"]),
    (
        "What will be done, by whom, by when?",
        "5-fix",
        "Sam from maintenance is at your door by 8:10; I call you at 8:15\r",
    ),
    ("Did you call maintenance", None, "y\r"),
    ("What extra will you offer?", None, ["enter"]),
    ("When will you follow up", None, "tomorrow\r"),
    ("Was a room move offered?", None, "y\r"),
    ("What caused it, as far as you know?", "6-document", "Breaker on floor 4 overloaded; electrician booked\r"),
    ("Check the case with the customer", "7-summary", ["enter"]),
]


def earlier_case() -> Case:
    """Yesterday's complaint from the same guest, so today's call is number two."""
    at = datetime.now(UTC) - timedelta(days=1)
    return Case(
        id="RC-NEW",
        status="open",
        created_at=at,
        updated_at=at,
        staff="Lee Park",
        customer=Customer(name="Amara Obi", contact="+1 555 0100", segment="business"),
        playbook=PlaybookRef(id="room-failure", version=2, hash="0"),
        answers={
            "customer_words": "No power in 412 since 7 am.",
            "commitment": "Sam resets the breaker by 9:00",
            "follow_up_date": date.today().isoformat(),
        },
        events=[Event(at=at, staff="Lee Park", kind="created", data={})],
    )


async def play() -> list[str]:
    store = open_store(Path(tempfile.mkdtemp()) / "cases.db")
    store.add(earlier_case())
    pb = Library([bundled_dir()]).get("room-failure")
    app = CallScreen(
        lambda clerk: live(clerk, store, Call(playbook=pb, staff="Dana Reyes", today=date.today()), warn=clerk.warn)
    )
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        for question, name, keys in SCRIPT:
            await until(pilot, question)
            if name == "4-listen":
                await type_keys(pilot, keys)
                await pilot.pause(0.1)
                keys = []
            if name is not None:
                path = HERE / f"{name}.svg"
                path.write_text(
                    app.export_screenshot(title=f"recover start room-failure · {name[2:]}"), encoding="utf-8"
                )
                saved.append(str(path))
            if keys:
                await type_keys(pilot, keys)
        await pilot.pause(0.3)
    return saved


if __name__ == "__main__":
    for path in asyncio.run(play()):
        print(path)
