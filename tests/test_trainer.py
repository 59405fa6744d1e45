"""The trainer's toolkit: lint, schema, scaffold, show, list and drill."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from recoverycli.cli import app
from recoverycli.playbooks.library import Library, bundled_dir, playbook_files
from recoverycli.playbooks.scaffold import schema_of
from recoverycli.playbooks.schema import Playbook
from tests.helpers import ROOT

runner = CliRunner()
LINT = Path("tests/lint_playbooks")
EXPECTED_LINT = (
    "tests/lint_playbooks/broken-syntax.yaml:3:1: error: YAML syntax error: found unexpected end of stream — check "
    "indentation, colons and quotes here\n"
    "tests/lint_playbooks/coerced.yaml:3:10: error: 'version': '1' is text, not a whole number — write it without "
    "quotes: `version: 1`\n"
    "tests/lint_playbooks/coerced.yaml:10:19: error: 'required': 'yes' is not true or false (YAML reads it as text) "
    "— write `required: true`\n"
    "tests/lint_playbooks/coerced.yaml:11:21: error: 'max_length': '200' is text, not a whole number — write it "
    "without quotes: `max_length: 200`\n"
    "tests/lint_playbooks/coerced.yaml:15:19: error: 'required': 'yes' is not true or false (YAML reads it as text) "
    "— write `required: true`\n"
    "tests/lint_playbooks/coerced.yaml:18:15: error: prompt 'upgrade_room' waits for 'upgraded' to be 'yes', but "
    "'upgraded' is a yes/no question — write `upgraded: true` or `upgraded: false`\n"
    "tests/lint_playbooks/conditions.yaml:10:15: error: prompt 'police' depends on 'witness', which is not asked "
    "before it — use an earlier prompt id, segment or repeat\n"
    "tests/lint_playbooks/four-mistakes.yaml:3:10: error: extends 'five-step', which no playbook has — use one of: "
    "coerced, conditions, crisis-outreach, flight-disruption, four-mistakes, four-step, many-schema-errors, other, "
    "remove-unknown, room-failure, theft-or-loss, tip-and-blame, trip-disruption, weak, wrong-booking\n"
    "tests/lint_playbooks/four-mistakes.yaml:7:9: error: choice prompt 'channel' has nothing to choose — add "
    "`choices:` or `choices_from: gestures`\n"
    "tests/lint_playbooks/four-mistakes.yaml:13:15: error: prompt 'lounge' depends on 'need', which is not asked "
    "before it — use an earlier prompt id, segment or repeat\n"
    "tests/lint_playbooks/four-mistakes.yaml:14:13: error: duplicate prompt id 'channel' — give each prompt its own "
    "id\n"
    "tests/lint_playbooks/many-schema-errors.yaml:3:10: error: 'version': 'latest' is not a whole number — write "
    "digits without quotes, e.g. `version: 2`\n"
    "tests/lint_playbooks/many-schema-errors.yaml:7:5: error: unknown key 'colour' — check the spelling; allowed "
    "here: id, title, guidance, say, avoid, tips, adapt, prompts, remove_tips, remove_say, before, after\n"
    "tests/lint_playbooks/many-schema-errors.yaml:9:9: error: missing 'label' — add `label:` here\n"
    "tests/lint_playbooks/remove-unknown.yaml:4:19: error: no inherited gesture 'caviar' to remove — use one of: "
    "meal, drink, fruit-basket, flowers, next-discount, keepsake\n"
    "tests/lint_playbooks/room-failure.yaml:1:5: warning: content differs from the bundled 'room-failure' but "
    "version is still 1 — set `version: 3`\n"
    "tests/lint_playbooks/tip-and-blame.yaml:6:11: error: 'tips': unknown tip tag 'be-nice' — use a tag from "
    "docs/practices.md: kaufman-customer-first, kaufman-gesture, kaufman-inevitable, kaufman-respond-now, "
    "kaufman-supplier, "
    "kuzmeski-culture, kuzmeski-individual, kuzmeski-no-second-chance, kuzmeski-second-complaint, kuzmeski-specific, "
    "kuzmeski-verify, lifetime-value, riffey-canned, riffey-ownership, step-apologise, step-document, step-fix, "
    "step-review, trust-gain\n"
    "tests/lint_playbooks/tip-and-blame.yaml:7:15: warning: guidance contains “another department” "
    "(blame-department): The customer does not care which department or person caused it. — Speak for the whole "
    "business: 'We got this wrong, and I'm fixing it.'\n"
    "tests/lint_playbooks/weak.yaml:6:9: warning: step 'reflect' asks nothing — add a prompt so the clerk records "
    "this step\n"
    "tests/lint_playbooks/weak.yaml:8:15: error: unknown placeholder '{customer.nickname}' — use one of: "
    "{customer.name}, {customer.first_name}, {staff.name}, {staff.first_name}, {playbook.title}\n"
    "tests/lint_playbooks/weak.yaml:11:9: error: base prompt 'customer_words' must stay required — set `required: "
    "true`\n"
    "tests/lint_playbooks/weak.yaml:15:3: warning: no gesture is consumable — add something they can enjoy and use "
    "up (a meal, flowers, an upgrade)\n"
    "9 file(s) checked: 18 error(s), 4 warning(s)\n"
)


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # lint prints paths as given


def coach_words_aside(text: str) -> str:
    """The coach's own reason and suggestion are its to word (docs/coach.md); lint's part is which rule, where."""
    import re

    return re.sub(r"(: warning: \w+ contains “[^”]+” \([\w-]+\)):.*", r"\1: …", text)


def test_lint_prints_every_problem_with_file_line_col() -> None:
    result = runner.invoke(app, ["playbook", "lint", str(LINT)])
    assert result.exit_code == 1
    assert coach_words_aside(result.stdout) == coach_words_aside(EXPECTED_LINT)


def test_lint_json_for_editors() -> None:
    result = runner.invoke(app, ["playbook", "lint", str(LINT / "weak.yaml"), "--format", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["errors"] == 2 and data["warnings"] == 2
    assert data["problems"][0] == {
        "file": "tests/lint_playbooks/weak.yaml",
        "line": 6,
        "col": 9,
        "level": "warning",
        "message": "step 'reflect' asks nothing — add a prompt so the clerk records this step",
    }


def test_bundled_playbooks_lint_clean_and_warnings_alone_pass() -> None:
    result = runner.invoke(app, ["playbook", "lint"])
    bundled = [str(p) for p in playbook_files(bundled_dir())]
    assert (
        result.exit_code == 0
        and result.stdout
        == "".join(f"{p}: ok\n" for p in bundled) + f"{len(bundled)} file(s) checked: 0 error(s), 0 warning(s)\n"
    )
    only_warning = runner.invoke(app, ["playbook", "lint", str(LINT / "room-failure.yaml")])
    assert only_warning.exit_code == 0 and only_warning.stdout.endswith("1 file(s) checked: 0 error(s), 1 warning(s)\n")


def test_lint_warns_on_a_choice_that_repeats_type_your_own(tmp_path: Path) -> None:
    (tmp_path / "dup.yaml").write_text(
        textwrap.dedent("""\
        id: lift-failure
        title: The lift broke down
        extends: four-step
        steps:
          - id: review
            prompts:
              - id: which_lift
                label: Which lift?
                type: choice
                choices: [north, south, something else]
              - id: stuck
                label: Was anyone stuck?
                type: choice
                allow_other: false
                choices: [nobody, a guest, other]
        """)
    )
    result = runner.invoke(app, ["playbook", "lint", str(tmp_path / "dup.yaml")])
    assert result.exit_code == 0  # a warning: the playbook still works
    warnings = [line for line in result.stdout.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{tmp_path / 'dup.yaml'}:10:33: warning: choice 'something else' duplicates the built-in "
        "“Something else (type it)” — remove it, or set `allow_other: false` to keep your own"
    ]
    # the list that turned the built-in off keeps its own "other"


def test_missing_path_is_reported() -> None:
    result = runner.invoke(app, ["playbook", "lint", "nope.yaml"])
    assert result.exit_code == 1 and "nope.yaml:1:1: error: no such file — check the path" in result.stdout


def test_json_schema_accepts_every_bundled_playbook_and_rejects_broken_ones() -> None:
    schema = json.loads(runner.invoke(app, ["playbook", "schema"]).stdout)
    assert schema == schema_of(Playbook)
    validator = jsonschema.Draft202012Validator(schema)
    for path in playbook_files(bundled_dir()):
        validator.validate(yaml.safe_load(path.read_text()))
    for bad in (
        "tests/lint_playbooks/many-schema-errors.yaml",
        "tests/broken_playbooks/unknown-key.yaml",
        "tests/broken_playbooks/wrong-type.yaml",
        "tests/broken_playbooks/missing-id.yaml",
    ):
        assert list(validator.iter_errors(yaml.safe_load(Path(bad).read_text()))), bad


def test_new_playbook_passes_lint_and_drill(tmp_path: Path) -> None:
    result = runner.invoke(app, ["playbook", "new", "late-checkin", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "late-checkin.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=./playbook.schema.json\n")
    assert json.loads((tmp_path / "playbook.schema.json").read_text())["title"] == "recover playbook"
    lint = runner.invoke(app, ["playbook", "lint", str(path)])
    assert lint.exit_code == 0 and lint.stdout == f"{path}: ok\n1 file(s) checked: 0 error(s), 0 warning(s)\n"
    answers = tmp_path / "late.answers.yaml"
    answers.write_text(
        textwrap.dedent("""
        staff: Trainer
        customer: {name: Test Guest, contact: t@example.com, segment: business}
        answers:
          customer_words: Arrived at 23:00 and the room was not ready.
          desired_outcome: A room now
          reference: BK-1
          commitment: Room 210 ready by 23:20; I walk them up
          gesture: coffee-and-cake
          follow_up_date: tomorrow
    """)
    )
    drill = runner.invoke(
        app,
        [
            "playbook",
            "drill",
            "late-checkin",
            "--answers",
            str(answers),
            "--playbooks",
            str(tmp_path),
            "--format",
            "json",
        ],
    )
    assert drill.exit_code == 0, drill.output
    case = json.loads(drill.stdout)
    assert case["playbook"]["id"] == "late-checkin" and case["answers"]["reference"] == "BK-1"
    assert (
        runner.invoke(app, ["playbook", "new", "late-checkin", "--dir", str(tmp_path)]).exit_code == 1
    )  # never overwrites
    assert runner.invoke(app, ["playbook", "new", "Bad Id", "--dir", str(tmp_path)]).exit_code == 2


def test_new_from_a_parent_and_overriding_a_bundled_id(tmp_path: Path) -> None:
    assert (
        runner.invoke(
            app, ["playbook", "new", "airport-pickup", "--from", "wrong-booking", "--dir", str(tmp_path)]
        ).exit_code
        == 0
    )
    assert "extends: wrong-booking" in (tmp_path / "airport-pickup.yaml").read_text()
    assert runner.invoke(app, ["playbook", "new", "room-failure", "--dir", str(tmp_path)]).exit_code == 0
    bundled = Library([bundled_dir()]).get("room-failure").version
    assert f"version: {bundled + 1}" in (tmp_path / "room-failure.yaml").read_text()
    lint = runner.invoke(app, ["playbook", "lint", str(tmp_path)])
    assert lint.exit_code == 0 and lint.stdout.endswith("2 file(s) checked: 0 error(s), 0 warning(s)\n")


def test_drill_leaves_the_real_store_alone(tmp_path: Path, store_path: Path) -> None:
    example = ROOT / "playbooks" / "examples" / "theft-or-loss.answers.yaml"
    result = runner.invoke(
        app, ["playbook", "drill", "theft-or-loss", "--answers", str(example)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Blue silk dress" in result.stdout and "Property stolen or lost" not in result.stderr
    assert not store_path.exists()


def test_list_shows_source_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "room.yaml").write_text("id: room-failure\ntitle: Ours\nversion: 2\nextends: four-step\n")
    rows = json.loads(runner.invoke(app, ["playbook", "list", "--format", "json", "--playbooks", str(tmp_path)]).stdout)
    by_id = {r["id"]: r for r in rows}
    assert by_id["room-failure"]["source"] == str(tmp_path) and by_id["room-failure"]["overrides_bundled"] is True
    assert by_id["other"]["source"] == "bundled" and by_id["other"]["overrides_bundled"] is False
    assert {"id", "title", "version", "category", "source", "file", "overrides_bundled"} == set(rows[0])


def test_show_gives_the_merged_playbook() -> None:
    merged = yaml.safe_load(runner.invoke(app, ["playbook", "show", "room-failure", "--format", "yaml"]).stdout)
    assert [s["id"] for s in merged["steps"]] == ["apologise", "review", "fix", "document"]
    review = next(s for s in merged["steps"] if s["id"] == "review")
    assert [p["id"] for p in review["prompts"]][:2] == ["customer_words", "desired_outcome"]
    table = runner.invoke(app, ["playbook", "show", "room-failure"], env={"COLUMNS": "200"}).stdout
    assert "Check before you promise" in table and "For family:" in table and "Late checkout" in table


def test_removing_tips_and_gestures(tmp_path: Path) -> None:
    (tmp_path / "lean.yaml").write_text(
        textwrap.dedent("""
        id: lean
        title: Fewer tips
        extends: four-step
        remove_gestures: [keepsake]
        steps:
          - id: fix
            remove_tips: [lifetime-value]
    """)
    )
    pb = Library([bundled_dir(), tmp_path]).get("lean")
    assert "keepsake" not in [g.id for g in pb.gestures]
    assert "lifetime-value" not in next(s for s in pb.steps if s.id == "fix").tips
    assert "kuzmeski-verify" in next(s for s in pb.steps if s.id == "fix").tips


def test_prompt_asked_only_when_an_earlier_answer_matches(tmp_path: Path, store_path: Path) -> None:
    example = (ROOT / "playbooks" / "examples" / "theft-or-loss.answers.yaml").read_text()
    no_report = tmp_path / "a.answers.yaml"
    no_report.write_text(example.replace("police_report: no", "police_report: no\n  police_reference: PR-1"))
    result = runner.invoke(app, ["start", "theft-or-loss", "--answers", str(no_report)])
    assert (
        result.exit_code == 1
        and "police_reference: answered, but only asked when {'police_report': True}" in result.stderr
    )
    with_report = tmp_path / "b.answers.yaml"
    with_report.write_text(example.replace("police_report: no", "police_report: yes\n  police_reference: PR-1"))
    result = runner.invoke(app, ["start", "theft-or-loss", "--answers", str(with_report)])
    assert result.exit_code == 0, result.output


def test_the_worked_example_in_the_guide_lints_and_drills(tmp_path: Path) -> None:
    import re

    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "docs" / "playbooks.md").read_text(), re.S)
    (tmp_path / "late-checkin.yaml").write_text(blocks[0])
    (tmp_path / "late-checkin.answers.yaml").write_text(blocks[1])
    assert runner.invoke(app, ["playbook", "lint", str(tmp_path)]).stdout.endswith(
        "1 file(s) checked: 0 error(s), 0 warning(s)\n"
    )
    drill = runner.invoke(
        app,
        [
            "playbook",
            "drill",
            "late-checkin",
            "--answers",
            str(tmp_path / "late-checkin.answers.yaml"),
            "--playbooks",
            str(tmp_path),
            "--format",
            "json",
        ],
    )
    assert drill.exit_code == 0, drill.output
    assert json.loads(drill.stdout)["answers"]["meeting_time"] == "08:00"


CORPUS = sorted(
    [
        *playbook_files(bundled_dir()),
        *Path("tests/lint_playbooks").glob("*.yaml"),
        *Path("tests/broken_playbooks").glob("*.yaml"),
        *Path("tests/schema_corpus").glob("*.yaml"),
    ]
)


def check_jsonschema(schema: Path, files: list[Path]) -> set[str]:
    """The files the published schema rejects, by check-jsonschema: another YAML reader (ruamel, YAML 1.2), another
    validator."""
    import shutil
    import subprocess
    import sys

    binary = Path(sys.executable).with_name("check-jsonschema")
    binary = binary if binary.exists() else Path(shutil.which("check-jsonschema") or "check-jsonschema")
    run = subprocess.run(
        [str(binary), "--schemafile", str(schema), "--output-format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stdout)
    failed = report.get("errors", []) + report.get("parse_errors", [])
    assert run.returncode == (1 if failed else 0), run.stderr
    return {e["filename"] for e in failed}


def test_check_jsonschema_accepts_every_bundled_playbook(tmp_path: Path) -> None:
    schema = tmp_path / "playbook.schema.json"
    schema.write_text(runner.invoke(app, ["playbook", "schema"]).stdout)
    assert check_jsonschema(schema, playbook_files(bundled_dir())) == set()


def test_lint_and_the_published_schema_give_the_same_verdict_on_every_corpus_file(tmp_path: Path) -> None:
    """Lint's shape checks (reading and schema) reject exactly what the schema rejects; its other checks come on top."""
    from recoverycli.playbooks.lint import lint

    schema = tmp_path / "playbook.schema.json"
    schema.write_text(runner.invoke(app, ["playbook", "schema"]).stdout)
    rejected = check_jsonschema(schema, CORPUS)
    _, problems = lint(CORPUS)
    shape = {p.file for p in problems if p.check in ("yaml", "schema") and p.level == "error"}
    disagree = sorted(str(f) for f in CORPUS if (str(f) in rejected) != (str(f) in shape))
    assert disagree == []
    # what pydantic's lax mode used to let through is an error in both
    for name in ("yes-bool", "quoted-yes-bool", "quoted-version", "quoted-max-length", "off-bool", "coach-yes"):
        assert f"tests/schema_corpus/{name}.yaml" in rejected & shape, name
    assert "tests/lint_playbooks/coerced.yaml" in rejected & shape
    # and what both accept includes YAML 1.2's readings: 2.0 is a whole number, 010 is ten, 1:20 and a date are text
    for name in ("float-version", "leading-zero-version", "clock-text", "date-description", "capital-true", "with-bom"):
        assert f"tests/schema_corpus/{name}.yaml" not in rejected | shape, name
    assert len(rejected) >= 40 and len(CORPUS) - len(rejected) >= 20  # both verdicts well represented


def test_four_mistakes_are_reported_in_one_run() -> None:
    result = runner.invoke(app, ["playbook", "lint", str(LINT / "four-mistakes.yaml")])
    found = [line.split(": error: ")[1].split(" — ")[0] for line in result.stdout.splitlines() if ": error: " in line]
    assert found == [
        "extends 'five-step', which no playbook has",
        "choice prompt 'channel' has nothing to choose",
        "prompt 'lounge' depends on 'need', which is not asked before it",
        "duplicate prompt id 'channel'",
    ]
    # an unknown tip no longer hides the coach's warning about blame in the guidance
    blame = runner.invoke(app, ["playbook", "lint", str(LINT / "tip-and-blame.yaml")]).stdout
    assert "unknown tip tag 'be-nice'" in blame and "“another department” (blame-department)" in blame


def test_lint_names_every_file_and_refuses_what_is_not_a_playbook(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text("case_id,status\nRC-22222,open\n")
    result = runner.invoke(
        app,
        [
            "playbook",
            "lint",
            str(tmp_path / "cases.csv"),
            "playbooks/examples/other.answers.yaml",
            "playbooks/coach.yaml",
            "playbooks/examples",
            "playbooks/other.yaml",
        ],
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path}/cases.csv:1:1: error: not a playbook: lint reads YAML playbooks (*.yaml), not '.csv' files — "
        "give a playbook file or a directory of them",
        "playbooks/examples/other.answers.yaml:1:1: error: an answers file, not a playbook — try it with `recover "
        "playbook drill ID --answers FILE`",
        "playbooks/coach.yaml:1:1: error: coach rules, not a playbook — check them with `recover coach test FILE`",
        "playbooks/examples:1:1: error: no playbook files in this directory (*.yaml; answers files and coach.yaml "
        "are not playbooks) — point lint at a playbook file or directory",
        "playbooks/other.yaml: ok",
        "5 file(s) checked: 4 error(s), 0 warning(s)",
    ]
    data = json.loads(runner.invoke(app, ["playbook", "lint", "playbooks/other.yaml", "--format", "json"]).stdout)
    assert data["files"] == [{"file": "playbooks/other.yaml", "errors": 0, "warnings": 0}]


def test_new_playbooks_header_commands_work_as_written_and_the_schema_file_is_named(tmp_path: Path) -> None:
    import shlex

    where = tmp_path / "my playbooks"
    result = runner.invoke(app, ["playbook", "new", "late-checkin", "--dir", str(where)])
    assert result.exit_code == 0, result.output
    assert f"also wrote {where / 'playbook.schema.json'}" in result.stderr
    header = [line for line in (where / "late-checkin.yaml").read_text().splitlines() if line.startswith("#")]

    def command(what: str) -> list[str]:
        line = next(line for line in header if f"recover playbook {what}" in line)
        return shlex.split(line[line.index(f"recover playbook {what}") :])[1:]

    show = command("show")
    shown = runner.invoke(app, show, env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "Late checkin" in shown.stdout
    assert runner.invoke(app, command("lint")).exit_code == 0
    drill = command("drill")
    assert drill[drill.index("--playbooks") + 1] == str(where)


@pytest.mark.parametrize(
    ("prompt", "where", "message"),
    [
        (
            "{id: follow_up_date, label: When?, type: text, required: true}",
            "7:50",
            "base prompt 'follow_up_date' must keep its type (date), not text — write `type: date`, or give your "
            "question its own id",
        ),
        (
            "{id: commitment, label: What?, type: number, required: true}",
            "7:46",
            "base prompt 'commitment' must keep its type (text or multiline or choice), not number — write "
            "`type: text` or `type: multiline` or `type: choice`, or give your question its own id",
        ),
        (
            "{id: follow_up_date, label: When?, type: date, required: true, when: {segment: vip}}",
            "7:78",
            "base prompt 'follow_up_date' must be asked on every call — remove its `when:`, or give a conditional "
            "question its own id",
        ),
    ],
)
def test_a_base_prompt_keeps_its_type_and_is_always_asked(
    tmp_path: Path, store_path: Path, prompt: str, where: str, message: str
) -> None:
    """F17: a retyped or conditional follow-up date was lint-clean, and the promise never came due anywhere."""
    books = tmp_path / "types"
    books.mkdir()
    (books / "x.yaml").write_text(
        f"id: x\ntitle: Retyped\nextends: four-step\nsteps:\n  - id: fix\n    prompts:\n      - {prompt}\n"
    )
    result = runner.invoke(app, ["playbook", "lint", str(books)])
    assert result.exit_code == 1
    assert f"{books}/x.yaml:{where}: error: {message}\n" in result.stdout
    # the loader refuses it too: no call runs with it, whatever lint was skipped
    example = (ROOT / "playbooks" / "examples" / "other.answers.yaml").read_text()
    answers = tmp_path / "a.answers.yaml"
    answers.write_text(example)
    result = runner.invoke(app, ["start", "x", "--answers", str(answers), "--playbooks", str(books)])
    assert result.exit_code != 0
    assert f"{books}/x.yaml:{where}: {message}" in result.stderr
    assert runner.invoke(app, ["list"]).stdout.count("RC-") == 0
