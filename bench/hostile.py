"""A hostile tester's run against the installed `recover`: bad inputs, kill -9, writers beside exports.

Run by hand from an installed venv:  python bench/hostile.py [--rounds N]
Everything happens in a temporary directory with its own HOME and XDG directories; the real
store is never touched. It prints one table; the README's "Never lose a word" quotes it.

What counts as handled: the command finished within its time limit, with exit 0, 1 or 2,
never a traceback or an "unexpected error", at most one line on stderr when it failed, and
the store it was pointed at still passes `recover check` with every case it held before.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

RECOVER = str(Path(sys.executable).with_name("recover"))
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "playbooks" / "examples" / "other.answers.yaml").read_text()


@dataclass
class Tally:
    tried: int = 0
    handled: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        self.tried += 1
        self.handled += ok
        if not ok:
            self.failures.append(what)


def recover(
    *args: str, env: dict[str, str], timeout: float = 30, stdout: object = subprocess.PIPE
) -> tuple[int, str, str]:
    try:
        p = subprocess.run(
            [RECOVER, *args],
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return -1, "", "TIMEOUT"
    return p.returncode, p.stdout or "", p.stderr


def clean(code: int, err: str) -> bool:
    """Finished, exit 0, 1 or 2, no traceback; a failure is one line (or click's own usage error for a mistyped
    flag)."""
    lines = [line for line in err.strip().splitlines() if not line.startswith(("EMERGENCY:", "coach on "))]  # notices
    usage = code == 2 and lines and lines[-1].startswith("Error: ")
    return (
        code in (0, 1, 2)
        and "Traceback" not in err
        and "unexpected error" not in err
        and (code == 0 or len(lines) == 1 or bool(usage))
    )


def store_lines(env: dict[str, str], store: str) -> set[str]:
    """Every case as exported, one JSON line each: what must still be there, unchanged, after the hostile run."""
    code, out, _ = recover("export", "--format", "jsonl", "--store", store, env=env)
    return set(out.splitlines()) if code == 0 else {f"export failed ({code})"}


# --- 1. answers files ----------------------------------------------------------------------------
def answers_corpus(tmp: Path) -> list[Path]:
    """Bad answers files, each a mistake a script, a typo or an attacker could make."""
    body = EXAMPLE
    variants: dict[str, str | bytes] = {
        "empty": "",
        "a list": "- 1\n- 2\n",
        "a scalar": "just text\n",
        "not utf-8": b"staff: caf\xe9\n",
        "syntax": "staff: [\n",
        "tab indent": "staff:\n\t- x\n",
        "python tag": "staff: !!python/object/apply:os.system [ls]\n",
        "binary staff": body.replace("staff: Dana Reyes", "staff: !!binary aGVsbG8="),
        "bool staff": body.replace("staff: Dana Reyes", "staff: true"),
        "nan staff": body.replace("staff: Dana Reyes", "staff: .nan"),
        "mapping staff": body.replace("staff: Dana Reyes", "staff: {a: 1}"),
        "long staff": body.replace("staff: Dana Reyes", "staff: " + "x" * 300),
        "escape staff": body.replace("staff: Dana Reyes", 'staff: "Dana\\e]0;pwned\\a"'),
        "markup staff": body.replace("staff: Dana Reyes", 'staff: "[link=file:///etc/passwd]Dana[/link]"'),
        "deep flow": "staff: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "deep block": "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 900)),
        "huge int": "staff: " + "9" * 5000 + "\n",
        "alias bomb": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
        "merge key": "base: &b {x: 1}\nstaff:\n  <<: *b\n",
        "duplicate key": body + "staff: Again\n",
        "unknown top key": body + "extra: 1\n",
        "19000 unknown answers": body + "".join(f"  k{i}: x\n" for i in range(19_000)),
        "600 KiB": "staff: " + "x" * 600_000 + "\n",
        "missing everything": "staff: Dana\n",
        "bad segment": body.replace("segment: vip", "segment: alien"),
        "segment mapping": body.replace("segment: vip", "segment: {a: b}"),
        "past follow-up": body.replace("follow_up_date: +3d", "follow_up_date: 2001-01-01"),
        "word date": body.replace("follow_up_date: +3d", "follow_up_date: someday"),
        "far date": body.replace("follow_up_date: +3d", "follow_up_date: +9999w"),
        "date 9999": body.replace("follow_up_date: +3d", "follow_up_date: 9999-12-31"),
        "5000-char answer": body.replace(
            "desired_outcome: The second charge refunded today", "desired_outcome: " + "y" * 5000
        ),
        "control chars": body.replace(
            "desired_outcome: The second charge refunded today", 'desired_outcome: "a\\x00b\\x1b[2Jc\\x9bd"'
        ),
        "rtl and emoji": body.replace(
            "desired_outcome: The second charge refunded today", "desired_outcome: 🙂 עברית 中文"
        ),
        "inf answer": body.replace("desired_outcome: The second charge refunded today", "desired_outcome: .inf"),
        "bytes answer": body.replace(
            "desired_outcome: The second charge refunded today", "desired_outcome: !!binary AAEC"
        ),
        "list answer": body.replace("desired_outcome: The second charge refunded today", "desired_outcome: [a, b]"),
        "null answers": "staff: Dana\ncustomer: null\nanswers: null\n",
        "answers a list": "staff: Dana\nanswers: [1, 2]\n",
        "unknown playbook": body + "playbook: no-such-playbook\n",
        "playbook a mapping": body + "playbook: {id: x}\n",
        "timestamp staff": body.replace("staff: Dana Reyes", "staff: 2026-11-25 10:00:00"),
        "bom": "\ufeff" + body,
        "crlf": body.replace("\n", "\r\n"),
        "nul byte": body.replace("Dana Reyes", "Dana\x00Reyes"),
        "only a comment": "# nothing\n",
        "two documents": body + "---\n" + body,
        "customer a string": body.replace(
            "customer: {name: Jo Okafor, contact: jo.okafor@example.com, segment: vip}", "customer: Jo Okafor"
        ),
        "customer name a list": body.replace("name: Jo Okafor", "name: [Jo, Okafor]"),
        "customer name bool": body.replace("name: Jo Okafor", "name: yes"),
        "contact a number": body.replace("contact: jo.okafor@example.com", "contact: 5550100"),
        "contact huge": body.replace("contact: jo.okafor@example.com", "contact: " + "5" * 400),
        "unknown customer key": body.replace("segment: vip", "segment: vip, age: 40"),
        "integer keys": body + "  1: one\n  true: yes\n  null: nothing\n",
        "a 10,000-character key": body + "  " + "k" * 10_000 + ": x\n",
        "10,000 lines of words": body.replace(
            "customer_words: |-", "customer_words: |-\n" + "    line\n" * 10_000 + "   "
        ),
        "unicode line separators": body.replace("The second charge refunded today", "a\u2028b\u2029c"),
        "bidi override": body.replace("The second charge refunded today", "\u202egnp.exe"),
        "gesture unknown": body.replace("gesture: flowers", "gesture: a yacht"),
        "gesture a number": body.replace("gesture: flowers", "gesture: 12"),
        "follow-up a number": body.replace("follow_up_date: +3d", "follow_up_date: 20261201"),
        "follow-up +99999d": body.replace("follow_up_date: +3d", "follow_up_date: +99999d"),
        "follow-up a timestamp": body.replace("follow_up_date: +3d", "follow_up_date: 2026-12-01T10:00:00Z"),
        "answer anchors": body.replace(
            "desired_outcome: The second charge refunded today", "desired_outcome: &x y\n  apology2: *x"
        ),
        "every value empty": (
            "staff: ''\ncustomer: {name: '', contact: '', segment: ''}\nanswers: {customer_words: ''}\n"
        ),
        "escalated without repeat": body + "  escalated_to: Duty manager at 10:00\n",
        "coach strict words": body.replace(
            "commitment: I refund the duplicate charge now; accounts (Ben) confirms it reached the card by Thursday "
            "12:00",
            "commitment: Please contact the booking site yourself",
        ),
        "placeholder left": body.replace("The second charge refunded today", "Refund for {customer.first_name}"),
    }
    paths = []
    for i, text in enumerate(variants.values()):
        p = tmp / f"answers-{i:02d}.yaml"
        p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        paths.append(p)
    os.mkfifo(tmp / "answers.fifo")
    (tmp / "answers.dir").mkdir()
    (tmp / "dangling.yaml").symlink_to(tmp / "nowhere.yaml")
    return paths + [
        Path("/dev/zero"),
        Path("/dev/null"),
        tmp / "answers.fifo",
        tmp / "answers.dir",
        tmp / "dangling.yaml",
        tmp / "missing.yaml",
    ]


# --- 2. playbook directories -----------------------------------------------------------------------
PLAYBOOK = "id: x\ntitle: X\nextends: four-step\nsteps:\n  - id: review\n    prompts:\n      - {id: q, label: Q}\n"


def playbook_dirs(tmp: Path) -> list[Path]:
    files: dict[str, dict[str, str | bytes]] = {
        "loop": {"a.yaml": "id: a\nextends: b\n", "b.yaml": "id: b\nextends: a\n"},
        "self loop": {"a.yaml": "id: a\nextends: a\n"},
        "unknown parent": {"a.yaml": "id: a\nextends: nope\n"},
        "no base": {"a.yaml": "id: a\ntitle: A\n"},
        "deep flow": {"a.yaml": "id: a\nextends: four-step\ntitle: " + "[" * 10_000 + "]" * 10_000 + "\n"},
        "huge int": {"a.yaml": "id: a\nextends: four-step\nversion: " + "9" * 5000 + "\n"},
        "escape title": {"a.yaml": 'id: a\nextends: four-step\ntitle: "\\e]0;pwned\\a"\n'},
        "C1 in description": {"a.yaml": 'id: a\nextends: four-step\ndescription: "\\x9b31m"\n'},
        "markup title": {"a.yaml": 'id: a\nextends: four-step\ntitle: "[link=file:///etc/passwd]A[/link]"\n'},
        "not utf-8": {"a.yaml": b"id: a\ntitle: caf\xe9\n"},
        "huge file": {"a.yaml": "id: a\ndescription: " + "x" * 600_000 + "\n"},
        "alias bomb": {
            "a.yaml": "id: a\nx: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "z: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        },
        "python tag": {"a.yaml": "id: !!python/object/apply:os.system [ls]\n"},
        "duplicate ids": {"a.yaml": PLAYBOOK, "b.yaml": PLAYBOOK},
        "duplicate prompt": {"a.yaml": PLAYBOOK + "      - {id: q, label: Again}\n"},
        "bad insert": {"a.yaml": "id: a\nextends: four-step\nsteps:\n  - {id: s, title: S, before: nowhere}\n"},
        "wrong types": {"a.yaml": "id: 5\ntitle: [1]\nversion: two\nsteps: x\n"},
        "unknown keys": {"a.yaml": PLAYBOOK.replace("title: X", "titel: X")},
        "empty": {"a.yaml": ""},
        "a list": {"a.yaml": "- 1\n"},
        "choice without choices": {"a.yaml": PLAYBOOK.replace("{id: q, label: Q}", "{id: q, label: Q, type: choice}")},
        "number prompt": {"a.yaml": PLAYBOOK.replace("{id: q, label: Q}", "{id: q, label: Q, type: number}")},
        "500-level chain": {
            f"l{i}.yaml": f"id: l{i}\ntitle: L{i}\nextends: {'four-step' if i == 0 else f'l{i - 1}'}\n"
            for i in range(500)
        },
        "overrides bundled": {"other.yaml": "id: other\ntitle: Mine\nextends: four-step\n"},
        "id with newline": {"a.yaml": 'id: "a\\n"\nextends: four-step\n'},
        "fifo": {},
        "symlink to /dev/zero": {},
        "when on an unknown prompt": {
            "a.yaml": PLAYBOOK.replace("{id: q, label: Q}", "{id: q, label: Q, when: {nope: yes}}")
        },
        "when on a later prompt": {
            "a.yaml": PLAYBOOK.replace("{id: q, label: Q}", "{id: q, label: Q, when: {root_cause: x}}")
        },
        "unknown tip": {"a.yaml": PLAYBOOK.replace("  - id: review\n", "  - id: review\n    tips: [be-nice]\n")},
        "remove unknown gesture": {"a.yaml": "id: a\nextends: four-step\nremove_gestures: [nope]\n"},
        "duplicate gestures": {
            "a.yaml": "id: a\nextends: four-step\ngestures: [{id: g, label: G}, {id: g, label: H}]\n"
        },
        "negative cost": {"a.yaml": "id: a\nextends: four-step\ngestures: [{id: g, label: G, cost: -5}]\n"},
        "10,000 steps": {
            "a.yaml": "id: a\nextends: four-step\nsteps:\n"
            + "".join(f"  - {{id: s{i}, title: S}}\n" for i in range(10_000))
        },
        "uppercase id": {"a.yaml": "id: Ana\nextends: four-step\n"},
        "max_length 0": {"a.yaml": PLAYBOOK.replace("{id: q, label: Q}", "{id: q, label: Q, max_length: 0}")},
        "base prompt made optional": {
            "a.yaml": "id: a\nextends: four-step\nsteps:\n  - id: review\n    prompts:\n"
            "      - {id: customer_words, label: W, required: false}\n"
        },
        "coach.yaml broken": {"coach.yaml": "rules: [{id: x, patterns: ['(']}]\n", "a.yaml": PLAYBOOK},
        "a directory named x.yaml": {},
        "answers file among playbooks": {"x.answers.yaml": EXAMPLE, "a.yaml": PLAYBOOK},
        "hidden and underscore files": {".a.yaml": "{", "_b.yaml": "{", "a.yaml": PLAYBOOK},
    }
    dirs = []
    for i, (name, content) in enumerate(files.items()):
        d = tmp / f"pb-{i:02d}"
        d.mkdir()
        for fname, text in content.items():
            (d / fname).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        if name == "fifo":
            os.mkfifo(d / "a.yaml")
        if name == "symlink to /dev/zero":
            (d / "a.yaml").symlink_to("/dev/zero")
        if name == "a directory named x.yaml":
            (d / "x.yaml").mkdir()
        dirs.append(d)
    return dirs


# --- 3. command lines ---------------------------------------------------------------------------------
def command_lines(tmp: Path, store: str) -> list[list[str]]:
    s = Path(store)
    (tmp / "exists.csv").write_text("keep me\n")
    (tmp / "link.csv").symlink_to(tmp / "exists.csv")
    (tmp / "dangling.csv").symlink_to(tmp / "elsewhere.csv")
    foreign = tmp / "bookmarks.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE moz_places (url TEXT)")
    conn.close()
    neg = tmp / "neg.db"
    conn = sqlite3.connect(neg)
    conn.execute("PRAGMA user_version = -1")
    conn.execute("CREATE TABLE cases (x)")
    conn.close()
    (tmp / "text.db").write_text("shopping list\n")
    (tmp / "empty.db").touch()
    targets = [
        str(s),
        str(s) + "-wal",
        str(s) + "-shm",
        str(tmp / "backup.db"),
        str(tmp / "exists.csv"),
        str(tmp / "link.csv"),
        str(tmp / "dangling.csv"),
        str(tmp),
        str(tmp / "nodir" / "x"),
        "/dev/full",
    ]
    out: list[list[str]] = []
    for t in targets:
        out += [
            ["export", "--output", t],
            ["export", "--output", t, "--force"],
            ["report", "--format", "json", "--output", t],
            ["report", "--format", "html", "--output", t, "--force"],
            ["followups", "--ics", t],
            ["followups", "--ics", t, "--force"],
            ["backup", t],
        ]
    for db in (foreign, neg, tmp / "text.db", tmp / "empty.db", tmp / "missing.db"):
        out += [[c, "--store", str(db)] for c in ("list", "check", "export", "report", "followups")]
        out += [
            ["show", "RC-AAAAA", "--store", str(db)],
            ["start", "other", "--answers", str(ROOT / "playbooks/examples/other.answers.yaml"), "--store", str(db)],
        ]
    out += [
        ["list", "--limit", "99999999999999999999"],
        ["list", "--limit", "9" * 5000],
        ["list", "--limit", "0"],
        ["export", "--limit", "99999999999999999999"],
        ["followups", "--upcoming", "3000000"],
        ["followups", "--upcoming", "-1"],
        ["list", "--until", "9999-12-31"],
        ["list", "--since", "0001-01-01"],
        ["report", "--since", "0001-01-01", "--until", "9999-12-31"],
        ["list", "--since", "someday"],
        ["list", "--since", "-99999w"],
        ["list", "--status", "bogus"],
        ["watch", "--interval", "1e308"],
        ["watch", "--interval", "nan"],
        ["watch", "--interval", "-1"],
        ["export", "--columns", "nope"],
        ["show", "RC-\x1b]0;x\x07"],
        ["show", "[link=x]RC[/link]"],
        ["note", "RC-AAAAA", "x" * 5000, "--staff", "Dana"],
        ["close", "RC-AAAAA", "--resolution", "", "--staff", "Dana"],
        ["followup", "RC-AAAAA", "--reschedule", "yesterday", "--reason", "x", "--staff", "Dana"],
        ["system-fix", "RC-AAAAA", "--due", "+99999d", "--staff", "Dana"],
        ["forget", "--customer", "", "--yes"],
        ["forget", "--customer", "nobody at all", "--yes"],
        ["playbook", "new", "late\n", "--dir", str(tmp)],
        ["playbook", "new", "Bad Id", "--dir", str(tmp)],
        ["playbook", "show", "nope"],
        ["coach", "check", "--file", "/dev/zero"],
        ["list", "--store", "postgresql://desk:pa/ss@db.invalid/recover"],
        ["list", "--store", "postgresql://desk:p@ss@db.invalid/x"],
    ]
    return out


# --- 4. kill -9 ------------------------------------------------------------------------------------------
WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from recoverycli.caselog.record import Case, Customer, Event, PlaybookRef
    from recoverycli.store import open_store
    store = open_store(sys.argv[1])
    i = 0
    while True:
        now = datetime.now(timezone.utc)
        words = f"writer {sys.argv[2]} case {i} " * 5
        case = store.add(Case(id="RC-NEW", status="open", created_at=now, updated_at=now, staff="Bench",
                              customer=Customer(name=f"Guest {sys.argv[2]}-{i}",
                                                contact=f"g{sys.argv[2]}x{i}@example.com", segment="family"),
                              playbook=PlaybookRef(id="other", version=1, hash="bench"),
                              answers={"customer_words": words, "follow_up_date": "2026-12-01"},
                              events=[Event(at=now, staff="Bench", kind="created")]))
        print(case.id, words, sep="\\t", flush=True)
        i += 1
""")


def kill_rounds(tmp: Path, env: dict[str, str], rounds: int) -> dict[str, int]:
    """SIGKILL at a random moment, in turn: a writer saving cases (sometimes while it creates the store), a backup,
    an export replacing yesterday's file, an erasure. After each: every case reported saved is there and intact,
    a backup or export is whole or absent (never half a file), an erasure is all or nothing, the store passes check."""
    store = tmp / "kill.db"
    tally = {"rounds": 0, "acknowledged": 0, "lost": 0, "broken": 0}
    said_all: dict[str, str] = {}
    for r in range(rounds):
        kind = ("writer", "writer", "backup", "export", "forget")[r % 5]
        if r % 10 == 0:
            for p in tmp.glob("kill.db*"):
                p.unlink()  # a fresh start: the kill may land while the store is being created
            said_all.clear()
        if kind == "writer":
            proc = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(store), str(r)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
            )
        elif kind == "backup":
            proc = subprocess.Popen(
                [RECOVER, "backup", str(tmp / f"backup-{r}.db"), "--store", str(store)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        elif kind == "export":
            (tmp / "yesterday.json").write_text('["yesterday"]\n')
            proc = subprocess.Popen(
                [
                    RECOVER,
                    "export",
                    "--format",
                    "json",
                    "-o",
                    str(tmp / "yesterday.json"),
                    "--force",
                    "--store",
                    str(store),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        else:
            victim = next(iter(said_all), None)
            contact = None
            if victim:
                row = (
                    sqlite3.connect(store)
                    .execute("SELECT customer_contact FROM cases WHERE id = ?", (victim,))
                    .fetchone()
                )
                contact = row[0] if row else None
            proc = subprocess.Popen(
                [RECOVER, "forget", "--customer", contact or "nobody@example.com", "--yes", "--store", str(store)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        time.sleep(random.uniform(0.05, 0.8))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        tally["rounds"] += 1
        if kind == "writer":
            said = dict(
                line.split("\t") for line in out.split("\n")[:-1] if "\t" in line
            )  # a line cut by the kill was not said
            tally["acknowledged"] += len(said)
            said_all.update(said)
        if kind == "forget" and victim and contact and contact != "[erased]":
            conn = sqlite3.connect(store)
            left = conn.execute("SELECT count(*) FROM cases WHERE customer_contact = ?", (contact,)).fetchone()[0]
            if left == 0:  # erased: every case of that customer, with its words
                for gone in [
                    i
                    for i in said_all
                    if conn.execute("SELECT customer_contact FROM cases WHERE id = ?", (i,)).fetchone() == ("[erased]",)
                ]:
                    said_all.pop(gone)
            conn.close()
        if kind == "backup":
            b = tmp / f"backup-{r}.db"
            if b.exists():
                code, _, _ = recover("check", "--store", str(b), env=env)
                tally["broken"] += code != 0
        if kind == "export":
            text = (tmp / "yesterday.json").read_text()
            try:
                json.loads(text)
            except ValueError:
                tally["broken"] += 1
        if store.exists():
            conn = sqlite3.connect(store)
            for case_id, words in said_all.items():
                row = conn.execute(
                    "SELECT json_extract(answers, '$.customer_words') FROM cases WHERE id = ?", (case_id,)
                ).fetchone()
                tally["lost"] += row is None or row[0] != words
            conn.close()
            code, _, _ = recover("check", "--store", str(store), env=env)
            tally["broken"] += code != 0
    recover("list", "--store", str(store), env=env)  # the next use cleans what a kill left behind
    litter = [p.name for p in tmp.iterdir() if ".recover-tmp." in p.name or p.name.startswith(".new-")]
    tally["litter"] = len(litter)
    return tally


# --- 5. writers beside exports, backups and an erasure ------------------------------------------------------
def concurrent(tmp: Path, env: dict[str, str], writers: int, per_writer: int) -> dict[str, object]:
    store = tmp / "busy.db"
    answers = tmp / "erase-me.yaml"
    answers.write_text(
        EXAMPLE.replace("Jo Okafor", "Erin Forgetme").replace("jo.okafor@example.com", "erin@example.com")
    )
    recover("start", "other", "--answers", str(answers), "--store", str(store), env=env)
    script = WRITER.replace("while True:", f"while i < {per_writer}:").replace(
        "    i += 1", "    i += 1\n    time.sleep(0.01)"
    )
    script = "import time\n" + script
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(store), str(w)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )
        for w in range(writers)
    ]
    exports, backups = [], []
    time.sleep(1)
    forget = subprocess.Popen(
        [RECOVER, "forget", "--customer", "erin@example.com", "--yes", "--store", str(store)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    k = 0
    while any(p.poll() is None for p in procs):
        code, out, err = recover("export", "--format", "jsonl", "--store", str(store), env=env)
        exports.append(code == 0 and all(json.loads(line)["case_id"] for line in out.splitlines()))
        code, _, _ = recover("backup", str(tmp / f"backup-{k}.db"), "--store", str(store), env=env)
        backups.append(code == 0)
        k += 1
    said = [line.split("\t") for p in procs for line in p.communicate()[0].splitlines()]
    forget.communicate()
    erasures = [forget.returncode == 0]
    conn = sqlite3.connect(store)
    intact = sum(
        conn.execute("SELECT json_extract(answers, '$.customer_words') FROM cases WHERE id = ?", (i,)).fetchone()
        == (w,)
        for i, w in said
    )
    erased = conn.execute("SELECT count(*) FROM cases WHERE customer_contact = 'erin@example.com'").fetchone()[0] == 0
    conn.close()
    backups_ok = 0
    for b in sorted(tmp.glob("backup-*.db")):
        code, out, _ = recover("check", "--format", "json", "--store", str(b), env=env)
        backups_ok += code == 0 and json.loads(out)["ok"]
    return {
        "saves": len(said),
        "intact": intact,
        "exports": len(exports),
        "exports_ok": sum(exports),
        "backups": len(backups),
        "backups_ok": backups_ok,
        "erasure": bool(erasures and erasures[0] and erased),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=100, help="kill -9 rounds")
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--per-writer", type=int, default=300)
    args = ap.parse_args()
    random.seed(13)
    with tempfile.TemporaryDirectory(prefix="recover-hostile-") as t:
        tmp = Path(t)
        env = {
            **os.environ,
            "HOME": str(tmp / "home"),
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "XDG_DATA_HOME": str(tmp / "share"),
            "RECOVER_STORE": str(tmp / "store" / "cases.db"),
            "NO_COLOR": "1",
            "RECOVER_STAFF": "Bench",
        }
        env.pop("RECOVER_PLAYBOOKS", None)
        store = env["RECOVER_STORE"]
        for n in range(3):  # three customers already in the store; none of what follows may change them
            seed = tmp / f"seed{n}.yaml"
            seed.write_text(EXAMPLE.replace("Jo Okafor", f"Seed Customer {n}").replace("jo.okafor@", f"seed{n}@"))
            recover("start", "other", "--answers", str(seed), "--store", store, env=env)
        recover("backup", str(tmp / "backup.db"), env=env)
        before = store_lines(env, store)
        results: dict[str, Tally] = {k: Tally() for k in ("answers files", "playbook directories", "command lines")}
        t0 = time.perf_counter()
        (tmp / "answers").mkdir()
        for path in answers_corpus(tmp / "answers"):
            code, _, err = recover("start", "other", "--answers", str(path), env=env)
            results["answers files"].add(clean(code, err), f"{path.name}: {code} {err[:200]}")
        case_id = json.loads(recover("list", "--format", "json", env=env)[1])[0]["id"]
        (tmp / "pbs").mkdir()
        for d in playbook_dirs(tmp / "pbs"):
            ok = True
            for cmd in (
                ["playbook", "lint", str(d)],
                ["playbook", "list", "--playbooks", str(d)],
                ["show", case_id, "--playbooks", str(d)],
            ):
                code, out, err = recover(*cmd, env=env)
                ok &= code in (0, 1, 2) and "Traceback" not in err and "unexpected error" not in err and code != -1
                if cmd[0] == "show":
                    ok &= code == 0  # a case must show whatever is on the playbook path
            results["playbook directories"].add(ok, f"{d.name}: {code} {err[:200]}")
        (tmp / "cl").mkdir()
        for cmd in command_lines(tmp / "cl", store):
            with open(os.devnull, "w") as sink:
                code, _, err = recover(*cmd, env=env, stdout=sink)
            results["command lines"].add(clean(code, err), f"{cmd}: {code} {err[:200]}")
        for cmd in (["show", case_id], ["list"], ["check"], ["report"], ["followups"], ["export"]):
            with open("/dev/full", "w") as full:
                code, _, err = recover(*cmd, env=env, stdout=full)
            results["command lines"].add(clean(code, err), f"{cmd} > /dev/full: {code} {err[:200]}")
        after = store_lines(env, store)
        checked = recover("check", "--store", store, env=env)[0] == 0
        accepted = len(after) - len(before)
        hostile_s = time.perf_counter() - t0
        (tmp / "kill").mkdir()
        t0 = time.perf_counter()
        kills = kill_rounds(tmp / "kill", env, args.rounds)
        kill_s = time.perf_counter() - t0
        (tmp / "busy").mkdir()
        busy = concurrent(tmp / "busy", env, args.writers, args.per_writer)
    print(f"{'what':<44} {'tried':>7} {'handled':>8}")
    for name, t in results.items():
        print(f"{name:<44} {t.tried:>7} {t.handled:>8}")
    total = sum(t.tried for t in results.values())
    print(f"{'all hostile inputs':<44} {total:>7} {sum(t.handled for t in results.values()):>8}   ({hostile_s:.0f} s)")
    print(
        f"the {len(before)} cases already in the store kept unchanged: {before <= after}; store passes check: "
        f"{checked}; "
        f"answers files that were valid after all and saved a case: {accepted}"
    )
    print(
        f"kill -9 rounds: {kills['rounds']} (writers, backups, exports over a file, erasures); cases reported saved: "
        f"{kills['acknowledged']}, lost or changed: {kills['lost']}; half-written backups, exports or failed checks: "
        f"{kills['broken']}; temp files left after the next run: {kills['litter']}   ({kill_s:.0f} s)"
    )
    print(
        f"concurrent: {args.writers} writers saved {busy['saves']} cases ({busy['intact']} intact) beside "
        f"{busy['exports']} exports ({busy['exports_ok']} complete), {busy['backups']} backups ({busy['backups_ok']} "
        "passing "
        f"check) and an erasure ({'done' if busy['erasure'] else 'FAILED'})"
    )
    for t in results.values():
        for f in t.failures:
            print("  not handled:", f)


if __name__ == "__main__":
    main()
