"""How fast the coach answers: one reply through `recover coach check`, and one answer in a live call.

Run by hand from an installed venv:  python bench/coach_speed.py [runs]
- `coach check` end to end: the whole command in a fresh process (start-up included), and the
  check itself once the process is up (rules loaded, the first reply already read);
- the live call: the coach hook `recover start` gives the wizard (call/live.py equip), on one answer,
  after the first answer has loaded the rules and the word dictionary;
- what the first answer pays once (rules compiled, lemminflect's dictionary and the trained model read);
- whether importing the coach's modules is still lazy: `recover --help` must not load lemminflect.
Figures are in docs/coach.md.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
BIN = Path(sys.executable).parent
REPLIES = [
    "I'm sorry you have to call again. Sam fixes the power in 318 by 19:10; I call you at 19:30",
    "Sorry, our electrician is busy, he will come when he can.",
    "Dear Ms Obi,\nI'm so sorry about the power cut in room 318 on Tuesday evening, and that it happened the night "
    "before "
    "your presentation. I've removed the charge and refunded the night in full (£189) to your card. I've also booked "
    "breakfast for you in the Orangery tomorrow at whatever time suits you. I'll call you at 10:00 to make sure "
    "everything "
    "is in order.\nWarm regards,\nHelen Carter, Duty Manager",
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RECOVER_STORE": f"{tmp}/cases.db", "XDG_CONFIG_HOME": tmp}
        walls = []
        for _ in range(max(RUNS // 3, 5)):
            t = time.perf_counter()
            subprocess.run(
                [str(BIN / "recover"), "coach", "check", REPLIES[1]],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            walls.append(time.perf_counter() - t)
        helped = subprocess.run(
            [sys.executable, "-X", "importtime", str(BIN / "recover"), "--help"],
            env=env,
            capture_output=True,
            text=True,
        ).stderr
    lazy = "lemminflect" not in helped and "recoverycli.coach.text" not in helped

    from recoverycli import coach
    from recoverycli.call.live import equip
    from recoverycli.call.wizard import Call
    from recoverycli.playbooks.library import Library
    from recoverycli.playbooks.schema import Prompt
    from recoverycli.store import open_store

    t = time.perf_counter()
    rules = coach.default_rules()
    model = coach.second_opinion()  # the trained second opinion: read once, used when no rule flags a reply
    coach.check("warming up", rules, coach.Context(prompt="apology"), model)
    first = time.perf_counter() - t

    per_reply = {}
    for text in REPLIES:
        samples = []
        for i in range(RUNS):
            probe = f"{text} ({i})"  # a new text each time: nothing is served from a cache
            t = time.perf_counter()
            coach.check(probe, rules, coach.Context(customer_name="Amara Obi"), model)
            samples.append(time.perf_counter() - t)
        per_reply[text] = samples

    # long drafts (hostile pass 4: checking was quadratic in hits × length): an answer above a quoted thread, and a
    # draft of blank lines with a customer's name given
    quoted = (
        "> Someone will look into it as soon as possible, as per our policy we cannot refund, unfortunately the system"
        " was down and the team was busy. Please contact the airline.\n>\n"
    )
    long_drafts = {f"e-mail over a {n}-message quoted thread": REPLIES[2] + "\n\n" + quoted * n for n in (60, 200)} | {
        "20,000 blank lines then 'sorry'": "\n" * 20_000 + "sorry"
    }
    per_long = {}
    for label, text in long_drafts.items():
        t = time.perf_counter()
        coach.check(text, rules, coach.Context(customer_name="Amara Obi"), model)
        per_long[f"{label} ({len(text) // 1024} KB)"] = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "cases.db"))
        call = Call(
            playbook=Library.default().get("other"), staff="Bench", today=date.today(), customer={"name": "Amara Obi"}
        )
        equip(call, store)
        prompt = Prompt(id="commitment", label="What will be done?", coach="strict")
        assert call.coach is not None
        live = []
        for i in range(RUNS):
            t = time.perf_counter()
            call.coach(prompt, f"{REPLIES[0]} ({i})", call)
            live.append(time.perf_counter() - t)

    print(f"runs per figure: {RUNS} (median, worst)")
    print(f"recover coach check, whole process   : {ms(statistics.median(walls))}  worst {ms(max(walls))}")
    print(f"first check in a process (one-off)    : {ms(first)}  (rules compiled, word dictionary read)")
    for text, samples in per_reply.items():
        label = f"check of {len(text)} characters"
        print(f"{label:38}: {ms(statistics.median(samples))}  worst {ms(max(samples))}")
    print(f"live call, coach on one answer        : {ms(statistics.median(live))}  worst {ms(max(live))}")
    for label, took in per_long.items():
        print(f"{label:38}: {ms(took)}  (once)")
    print(f"recover --help imports the coach      : {'no (lazy)' if lazy else 'YES - not lazy'}")


if __name__ == "__main__":
    main()
