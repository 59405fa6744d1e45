"""\\uXXXX escapes that give surrogates (hostile pass 2, F5): json.dump writes an emoji as a pair, "\\ud83d\\ude00",
which the YAML reader takes as two halves; saving them crashed with UnicodeEncodeError. A pair is joined into the one
character it stands for; half a pair alone is refused with file:line:col."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from recoverycli.cli import app
from tests.hostile import ANSWERS, one_line

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), env={"RECOVER_STAFF": "Lee Park"})


def test_an_answers_file_written_by_json_dump_keeps_its_emoji(tmp_path: Path) -> None:
    data = yaml.safe_load(ANSWERS.read_text())
    data["answers"]["customer_words"] = "Ruined our anniversary \U0001f600 completely"
    data["customer"]["name"] = "Ana Souza \U0001f33b"
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data))  # ensure_ascii: every emoji as a \\ud83d\\ude00 pair
    assert "\\ud83d\\ude00" in path.read_text()
    result = cli("start", "other", "--answers", str(path))
    assert result.exit_code == 0, result.output
    out = cli("export", "--format", "jsonl", "--columns", "customer_name,customer_words")
    assert json.loads(out.stdout) == {
        "customer_name": "Ana Souza \U0001f33b",
        "customer_words": "Ruined our anniversary \U0001f600 completely",
    }


@pytest.mark.parametrize(
    ("where", "escaped", "lone"),
    [
        ("  desired_outcome:", r'"\ud800"', r"\ud800"),
        ("  desired_outcome:", r'"a\udfffb"', r"\udfff"),
        ("  desired_outcome:", r'"\ud83d\ude00 then \ud83d"', r"\ud83d"),
        ("staff:", r'"Dana \ud800"', r"\ud800"),
    ],
)
def test_half_a_pair_is_refused_with_file_and_line(tmp_path: Path, where: str, escaped: str, lone: str) -> None:
    lines = ANSWERS.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(where))
    lines[at] = f"{where} {escaped}"
    path = tmp_path / "answers.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = cli("start", "other", "--answers", str(path))
    assert result.exit_code == 1, result.output
    line = one_line(result.stderr)
    assert line.startswith(f"{path}:{at + 1}:") and f"{lone} is half of a character" in line, line
    assert "unexpected" not in result.output
    assert "RC-" not in cli("list", "--format", "csv").stdout  # nothing saved
