"""Crashes, hangs and validation: each hostile input is one clear line and exit 1 or 2, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recoverycli.call.wizard import check_answer
from recoverycli.cli import app
from recoverycli.playbooks.schema import Prompt
from recoverycli.store import open_store
from tests.helpers import make_case
from tests.hostile import ANSWERS, RECOVER, one_line, run

runner = CliRunner()


def cli(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def answers(tmp_path: Path, body: str, name: str = "a.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


CHARGE = """\
id: charge
title: Wrong charge
extends: four-step
steps:
  - id: review
    prompts:
      - {id: amount, label: How much was charged?, type: number}
"""
GOOD = """\
staff: Dana Reyes
customer: {name: Jo Okafor, contact: jo@example.com, segment: vip}
answers:
  customer_words: Charged twice
  desired_outcome: A refund
  commitment: I refund it today by 17:00
  gesture: meal
  follow_up_date: +3d
  amount: AMOUNT
"""


# --- numbers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed, message",
    [
        ("1.5e400", "'1.5e400' is too large a number to record — type the amount in digits, e.g. 40 or 12.50"),
        ("9" * 40, f"'{'9' * 27}…' is too large a number to record — type the amount in digits, e.g. 40 or 12.50"),
        ("9" * 5000, "answer is 5000 characters, over the 4000 limit — shorten it"),
        ("nan", "'nan' is not a number — type digits, e.g. 40 or 12.50"),
        ("inf", "'inf' is not a number — type digits, e.g. 40 or 12.50"),
        ("-Infinity", "'-Infinity' is not a number — type digits, e.g. 40 or 12.50"),
    ],
)
def test_a_number_the_store_could_not_keep_is_refused_at_the_prompt(typed: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check_answer(Prompt(id="amount", label="How much?", type="number"), typed, None)
    assert str(info.value) == message


def test_ordinary_amounts_are_kept() -> None:
    prompt = Prompt(id="amount", label="How much?", type="number")
    assert [check_answer(prompt, t, None) for t in ("40", "12.50", "$1,250.00", "-3")] == [40, 12.5, 1250.0, -3]


def test_an_infinite_amount_in_an_answers_file_saves_nothing(tmp_path: Path, store_path: Path) -> None:
    (tmp_path / "pb").mkdir()
    (tmp_path / "pb" / "charge.yaml").write_text(CHARGE)
    for amount, message in (
        ('"1.5e400"', "amount: '1.5e400' is too large a number to record"),
        (".inf", "amount: 'inf' is not a number that can be recorded"),
    ):
        path = answers(tmp_path, GOOD.replace("AMOUNT", amount))
        result = cli("start", "charge", "--answers", str(path), "--playbooks", str(tmp_path / "pb"))
        assert result.exit_code == 1 and message in one_line(result.stderr)
    assert not store_path.exists() or open_store(store_path).cases() == []


def test_the_store_itself_never_writes_infinity(store_url: str) -> None:
    from recoverycli.errors import StoreError

    with pytest.raises(StoreError, match=r"an answer is not a finite number \(Infinity or NaN\) — nothing was saved"):
        open_store(store_url).add(make_case(customer_words="x", amount=float("inf")))
    assert open_store(store_url).cases() == []


def infinity_row(store_path: Path) -> str:
    """A case as an older recover saved a `1.5e400` answer: `Infinity`, which SQLite's JSON functions reject."""
    store = open_store(store_path)
    store.add(make_case(customer_words="A good case", follow_up_date="2026-11-27"))
    bad = store.add(make_case(customer_words="The bad one", follow_up_date="2026-11-27"))
    store.conn.execute(
        "UPDATE cases SET answers = ? WHERE id = ?", ('{"customer_words": "The bad one", "amount": Infinity}', bad.id)
    )
    return bad.id


def test_one_unreadable_row_never_stops_export_or_report_and_check_finds_it(store_path: Path) -> None:
    bad = infinity_row(store_path)
    skipped = f"left out 1 case(s) whose stored answers cannot be read: {bad} — run `recover check`"
    exported = cli("export", "--format", "jsonl")
    assert exported.exit_code == 0 and one_line(exported.stderr) == skipped
    assert [json.loads(line)["customer_words"] for line in exported.stdout.splitlines()] == ["A good case"]
    listed = cli("list", "--format", "csv")
    assert listed.exit_code == 0 and "A good case" in listed.stdout and "The bad one" not in listed.stdout
    report = cli("report", "--format", "json", "--since", "2026-11-01", "--until", "2026-11-30")
    assert report.exit_code == 0 and json.loads(report.stdout)["cases"]["total"] == 1
    assert one_line(report.stderr) == skipped
    checked = cli("check")
    assert checked.exit_code == 1 and "DAMAGED" in checked.stdout
    assert (
        f"  case {bad}: its answers cannot be read (not valid JSON) — export and report leave it out" in checked.stdout
    )
    assert cli("show", bad).exit_code == 0  # the case itself can still be read and put right


def test_check_reports_a_damaged_table_page_instead_of_crashing(store_path: Path) -> None:
    store = open_store(store_path)
    for i in range(300):
        store.add(make_case(customer_words=f"case {i} " * 30))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(store_path.read_bytes())
    page = 4096
    data[5 * page : 5 * page + 200] = b"\xff" * 200  # a page of the cases table
    store_path.write_bytes(bytes(data))
    result = run("check", "--store", str(store_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "DAMAGED" in result.stdout and "malformed" in result.stdout
    as_json = run("check", "--format", "json", "--store", str(store_path))
    assert json.loads(as_json.stdout)["ok"] is False


# --- files that are not files --------------------------------------------------------------------
def test_answers_from_dev_zero_or_a_fifo_are_refused_at_once(tmp_path: Path) -> None:
    zero = run("start", "other", "--answers", "/dev/zero", timeout=20)
    assert zero.returncode == 1
    assert (
        one_line(zero.stderr)
        == "/dev/zero:1:1: this is a character device, not a file — give the YAML file as a regular file"
    )
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    waited = run("start", "other", "--answers", str(fifo), timeout=20)  # nobody writes to it: it must not wait
    assert waited.returncode == 1
    assert one_line(waited.stderr) == f"{fifo}:1:1: this is a FIFO, not a file — give the YAML file as a regular file"
    drafted = run("coach", "check", "--file", "/dev/zero", timeout=20)
    assert drafted.returncode == 1 and "this is a character device, not a file" in one_line(drafted.stderr)


def test_a_store_you_may_not_read_is_one_line(store_path: Path) -> None:
    open_store(store_path).add(make_case())
    store_path.chmod(0)
    try:
        if os.geteuid() == 0:  # root reads anything: drop the capabilities that let it
            if not shutil.which("setpriv"):
                pytest.skip("root without setpriv: cannot take away root's right to read any file")
            caps = "-dac_override,-dac_read_search"
            result = subprocess.run(
                [
                    "setpriv",
                    f"--inh-caps={caps}",
                    f"--bounding-set={caps}",
                    str(RECOVER),
                    "list",
                    "--store",
                    str(store_path),
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            out, code = result.stderr, result.returncode
        else:
            result = cli("list", "--store", str(store_path))
            out, code = result.stderr, result.exit_code
    finally:
        store_path.chmod(0o600)
    assert code == 1
    assert one_line(out) == (
        f"{store_path}: cannot open the case store (Permission denied) — check the path and its "
        f"permissions, or pass --store"
    )


# --- YAML -------------------------------------------------------------------------------------------
def test_deep_nesting_and_huge_integers_are_one_line(tmp_path: Path) -> None:
    deep = answers(tmp_path, "staff: " + "[" * 10_000 + "]" * 10_000 + "\n", "deep.yaml")
    result = cli("start", "other", "--answers", str(deep))
    assert (
        result.exit_code == 1
        and one_line(result.stderr) == f"{deep}:1:72: nested deeper than 64 levels — flatten the structure"
    )
    block = answers(tmp_path, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 900)), "block.yaml")
    assert one_line(cli("start", "other", "--answers", str(block)).stderr) == (
        f"{block}:66:66: nested deeper than 64 levels — flatten the structure"
    )
    digits = answers(tmp_path, "staff: " + "9" * 5000 + "\n", "digits.yaml")
    assert one_line(cli("start", "other", "--answers", str(digits)).stderr) == (
        f"{digits}:1:8: a number 5000 characters long — put it in quotes if it is text"
    )


def test_a_deeply_nested_playbook_on_the_path_does_not_break_show(tmp_path: Path, store_path: Path) -> None:
    case_id = open_store(store_path).add(make_case()).id
    (tmp_path / "pb").mkdir()
    (tmp_path / "pb" / "deep.yaml").write_text(
        "id: deep\nextends: four-step\ntitle: " + "[" * 10_000 + "]" * 10_000 + "\n"
    )
    listed = cli("playbook", "list", "--playbooks", str(tmp_path / "pb"))  # the rest listed; the broken file named once
    assert listed.exit_code == 0 and "room-failure" in listed.stdout
    assert one_line(listed.stderr) == (
        f"warning: skipped a broken playbook — {tmp_path / 'pb' / 'deep.yaml'}:3:72: nested deeper "
        f"than 64 levels — flatten the structure (`recover playbook lint {tmp_path / 'pb' / 'deep.yaml'}` "
        f"lists every problem)"
    )
    shown = cli("show", case_id, "--playbooks", str(tmp_path / "pb"))
    assert shown.exit_code == 0 and case_id in shown.stdout


def test_a_500_level_extends_chain_is_merged_once_per_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import recoverycli.playbooks.library as pbs

    for i in range(500):
        parent = "four-step" if i == 0 else f"level-{i - 1}"
        (tmp_path / f"level-{i}.yaml").write_text(
            f"id: level-{i}\ntitle: Level {i}\nextends: {parent}\nsteps:\n  - id: review\n"
            f"    prompts:\n      - {{id: q{i}, label: Question {i}}}\n"
        )
    merges = []
    real = pbs.merge
    monkeypatch.setattr(
        pbs,
        "merge",
        lambda parent, child, src, problems=None: merges.append(child.id) or real(parent, child, src, problems),
    )
    lib = pbs.Library([pbs.bundled_dir(), tmp_path])
    for pid in reversed(lib.ids()):  # the deepest first: the worst order for a resolver without memory
        lib.get(pid)
    assert sorted(merges) == sorted(
        lib.ids()[1:] if lib.ids()[0] == "four-step" else [i for i in lib.ids() if i != "four-step"]
    )
    assert len(merges) == len(set(merges)) == len(lib.ids()) - 1  # every playbook but the base, once
    assert [p.id for p in lib.get("level-499").prompts()][-1] == "root_cause"
    assert lib.get("level-499").prompt("q0") is not None and lib.get("level-499").prompt("q499") is not None
    deep = cli("playbook", "show", "level-499", "--format", "json", "--playbooks", str(tmp_path))
    assert deep.exit_code == 0


class CountingDict(dict):  # type: ignore[type-arg]
    """The library's playbooks by id, counting every look-up: the work a listing does, measured without a clock."""

    lookups = 0

    def __getitem__(self, key: object) -> object:
        CountingDict.lookups += 1
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        CountingDict.lookups += 1
        return super().__contains__(key)

    def get(self, key: object, default: object = None) -> object:
        CountingDict.lookups += 1
        return super().get(key, default)


def listing_work(folder: Path, n: int) -> int:
    """Look-ups made to list every playbook (what `playbook list` and `recover start` do) with an n-level chain."""
    import recoverycli.playbooks.library as pbs

    folder.mkdir()
    for i in range(n):
        parent = "four-step" if i == 0 else f"c{i - 1}"
        (folder / f"c{i}.yaml").write_text(f"id: c{i}\nextends: {parent}\ntitle: Chain {i}\n")
    lib = pbs.Library([pbs.bundled_dir(), folder])
    lib.entries = CountingDict(lib.entries)
    CountingDict.lookups = 0
    books, problems = lib.usable()
    assert not problems and len(books) == len(lib.entries)
    return CountingDict.lookups


def test_listing_playbooks_with_a_long_extends_chain_costs_linear_work(tmp_path: Path) -> None:
    # 2,000 levels took 32 s: each playbook's lineage was walked to the root, with a list for the ids already seen
    small, large = listing_work(tmp_path / "small", 200), listing_work(tmp_path / "large", 400)
    assert large <= 2.2 * small, (small, large)  # twice the chain, twice the work (quadratic would be four times)


def test_linting_a_directory_with_a_long_extends_chain_costs_linear_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import recoverycli.playbooks.library as pbs
    from recoverycli.playbooks import lint

    merges: list[str] = []
    real_merge = pbs.merge
    monkeypatch.setattr(
        pbs,
        "merge",
        lambda p, child, src, problems=None: merges.append(child.id) or real_merge(p, child, src, problems),
    )

    class Counted(pbs.Library):
        def __init__(self, dirs: list[Path], salvage: bool = False) -> None:
            super().__init__(dirs, salvage)
            self.entries = CountingDict(self.entries)

    monkeypatch.setattr(lint, "Library", Counted)
    work = []
    for n in (200, 400):
        folder = tmp_path / f"chain-{n}"
        listing_work(folder, n)
        merges.clear()
        CountingDict.lookups = 0
        checked, problems = lint.lint([folder])
        assert len(checked) == n and not [p for p in problems if p.level == "error"]
        assert len(merges) == n  # each file merged once onto its parent, whatever order the files are checked in
        work.append(CountingDict.lookups)
    assert work[1] <= 2.2 * work[0], work


# --- number options and dates at the ends of the calendar ---------------------------------------
@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["list", "--limit", "99999999999999999999"],
            "--limit: 99999999999999999999 is more than recover can use — give at most 1000000000",
        ),
        (
            ["export", "--limit", "99999999999999999999"],
            "--limit: 99999999999999999999 is more than recover can use — give at most 1000000000",
        ),
        (
            ["followups", "--upcoming", "3000000"],
            "--upcoming: 3000000 days is more than recover can use — give at most 36500 days",
        ),
        (["watch", "--interval", "1e308"], "--interval: 1e+308 s is more than recover can use — give at most 86400 s"),
        (["watch", "--interval", "inf"], "--interval: inf s is more than recover can use — give at most 86400 s"),
        (["list", "--status", "bogus"], "--status: 'bogus' is not a status — use draft, open or closed"),
        (["export", "--status", "Open "], "--status: 'Open ' is not a status — use draft, open or closed"),
    ],
)
def test_options_beyond_sense_are_one_line_and_exit_2(store_path: Path, args: list[str], message: str) -> None:
    open_store(store_path).add(make_case())
    result = cli(*args)
    assert result.exit_code == 2
    assert one_line(result.stderr) == message


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_the_first_and_last_days_of_the_calendar_are_dates_like_any_other(
    store_path: Path, tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    open_store(store_path).add(make_case())
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        for args in (
            ["list", "--until", "9999-12-31", "--format", "json"],
            ["list", "--since", "0001-01-01", "--format", "json"],
            ["export", "--since", "0001-01-01", "--until", "9999-12-31", "--format", "json"],
        ):
            result = cli(*args)
            assert result.exit_code == 0, result.output
            assert len(json.loads(result.stdout)) == 1
        report = cli("report", "--since", "0001-01-01", "--until", "9999-12-31", "--format", "json")
        assert report.exit_code == 0 and json.loads(report.stdout)["cases"]["total"] == 1
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# --- answers that are not text -------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, shown",
    [
        ("true", "expected text, not yes/no (true) — put the answer in quotes"),
        (".nan", "'nan' is not a number that can be recorded — give digits, e.g. 40 or 12.50, or text in quotes"),
        ("!!binary aGVsbG8=", "expected text, not binary data — put the answer in quotes"),
        ("{a: 1}", "expected a single answer, not a list or mapping — write it as text"),
    ],
)
def test_yaml_values_that_are_not_text_are_refused_as_answers_and_staff_names(
    tmp_path: Path, store_path: Path, value: str, shown: str
) -> None:
    base = ANSWERS.read_text()
    as_answer = answers(
        tmp_path,
        base.replace("desired_outcome: The second charge refunded today", f"desired_outcome: {value}"),
        "answer.yaml",
    )
    result = cli("start", "other", "--answers", str(as_answer))
    assert result.exit_code == 1 and f"desired_outcome: {shown}" in one_line(result.stderr)
    as_staff = answers(tmp_path, base.replace("staff: Dana Reyes", f"staff: {value}"), "staff.yaml")
    result = cli("start", "other", "--answers", str(as_staff))
    assert result.exit_code == 1 and one_line(result.stderr) == f"{as_staff}:2:8: staff: {shown}"
    assert not store_path.exists() or open_store(store_path).cases() == []


def test_the_staff_name_is_checked_like_a_customer_name(store_path: Path, tmp_path: Path) -> None:
    long = cli("start", "other", "--answers", str(ANSWERS), "--staff", "x" * 201)
    assert long.exit_code == 2
    assert one_line(long.stderr) == "--staff: answer is 201 characters, over the 200 limit — shorten it"
    env = cli("note", "RC-AAAAA", "hello", env={"RECOVER_STAFF": "y" * 300})
    assert env.exit_code == 2 and one_line(env.stderr).startswith("RECOVER_STAFF: answer is 300 characters")
    escaped = cli("start", "other", "--answers", str(ANSWERS), "--staff", "Dana\x1b]0;owned\x07 Reyes")
    assert escaped.exit_code == 0
    assert open_store(store_path).get(escaped.stdout.strip()).staff == "Dana]0;owned Reyes"


def test_nineteen_thousand_unknown_keys_get_a_short_message(tmp_path: Path, store_path: Path) -> None:
    keys = "".join(f"  unknown_{i}: x\n" for i in range(19_000))
    path = answers(tmp_path, ANSWERS.read_text() + keys, "many.yaml")
    result = cli("start", "other", "--answers", str(path))
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line == (
        f"{path}: nothing saved; 1 problem(s): 19000 answers have no prompt in playbook 'other' "
        f"(unknown_0, unknown_1, unknown_2, …) — remove them or check the spelling"
    )
    assert not store_path.exists() or open_store(store_path).cases() == []


def test_playbook_new_refuses_an_id_with_a_newline_and_a_dangling_symlink(tmp_path: Path) -> None:
    newline = cli("playbook", "new", "late\n", "--dir", str(tmp_path))
    assert newline.exit_code == 2
    assert one_line(newline.stderr) == (
        "'late\\n' is not a playbook id — use lower-case letters, digits and dashes, e.g. late-checkin"
    )
    (tmp_path / "late.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    dangling = cli("playbook", "new", "late", "--dir", str(tmp_path))
    assert dangling.exit_code == 1
    assert one_line(dangling.stderr) == (
        f"{tmp_path / 'late.yaml'} is a symbolic link (to {tmp_path / 'elsewhere.yaml'}) — "
        f"recover does not write through links; give the real file name"
    )
    assert not (tmp_path / "elsewhere.yaml").exists()
