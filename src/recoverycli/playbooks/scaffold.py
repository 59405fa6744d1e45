"""The starting file for `recover playbook new`: valid, commented, and passing lint as created."""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recoverycli.errors import RecoverError, UsageError
from recoverycli.playbooks.schema import ID_PATTERN, Playbook

SCHEMA_FILE = "playbook.schema.json"  # beside the new playbook: editors (yaml-language-server) validate as one types


def playbook_yaml(playbook_id: str, parent: Playbook, version: int, target: Path) -> str:
    title = playbook_id.replace("-", " ").capitalize()
    taken = {p.id for p in parent.prompts()}
    prompt_id = next(
        c for c in ("reference", "case_reference", f"{playbook_id.replace('-', '_')}_reference") if c not in taken
    )
    step = next((s.id for s in parent.steps if s.id == "review"), parent.steps[0].id)
    where = f"--playbooks {shlex.quote(str(target.parent))}"  # the commands below work from anywhere, as written
    return f"""\
# yaml-language-server: $schema=./playbook.schema.json
# A recover playbook. Check it:        recover playbook lint {shlex.quote(str(target))}
# Try it without a customer:           recover playbook drill {playbook_id} --answers my-answers.yaml {where}
# See it as a clerk will:              recover playbook show {playbook_id} {where}
# Every key is described in docs/playbooks.md.
id: {playbook_id}
title: {title}
version: {version}            # raise it whenever you change the content
category: general
description: One line that tells the clerk when to pick this playbook.
extends: {parent.id}          # inherits every step, prompt, tip and gesture of '{parent.id}'
steps:
  # A step with a parent's id merges into it: title and guidance replace the parent's,
  # say / avoid / tips / adapt add to them, prompts merge by id (same id replaces).
  - id: {step}
    guidance: |
      Let the customer tell what happened in their own words, then ask what a good
      outcome would be for them.
    say:
      - "{{customer.first_name}}, tell me what happened - I'm listening."
    prompts:
      - id: {prompt_id}
        label: Booking or room reference?
        help: So that any colleague can find it at once.
  # A new step is added at the end, or where `before: STEP` / `after: STEP` puts it:
  # - id: supplier
  #   title: Call the supplier
  #   after: review
  #   tips: [kaufman-supplier]
  #   prompts:
  #     - {{id: supplier_action, label: "What will the supplier do, and by when?", required: true}}
gestures:
  # Something extra beyond putting it right; something they can enjoy and use up is best.
  - id: coffee-and-cake
    label: Coffee and cake on us
    consumable: true
    cost: 8
"""


def schema_of(model: type[Playbook]) -> dict[str, Any]:
    """The JSON Schema of a playbook file, as `recover playbook schema` prints it and `playbook new` writes it."""
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "recover playbook"}


def next_version(playbook_id: str) -> int:
    """A trainer's copy of a bundled playbook starts one version above it (so drafts see the change), else at 1."""
    from recoverycli.playbooks.library import Library, bundled_dir

    bundled = Library([bundled_dir()]).entries.get(playbook_id)
    return bundled.playbook.version + 1 if bundled else 1


@dataclass
class Scaffolded:
    """What `playbook new` wrote: the playbook, and the schema beside it (None when a link was left alone)."""

    playbook: Path
    schema: Path | None


def scaffold(playbook_id: str, parent: str, directory: Path, playbook_dirs: list[Path] | None = None) -> Scaffolded:
    """Write DIRECTORY/ID.yaml extending `parent` (found in the usual playbooks, `playbook_dirs` and `directory`)
    and the schema file beside it. An existing playbook is never replaced; a link is never written through."""
    from recoverycli.files import write_output
    from recoverycli.playbooks.library import Library

    if not re.fullmatch(ID_PATTERN, playbook_id):  # fullmatch: `$` alone would let a trailing newline through
        raise UsageError(
            f"{playbook_id!r} is not a playbook id — use lower-case letters, digits and dashes, e.g. late-checkin"
        )
    lib = Library.default([*(playbook_dirs or []), directory] if directory.is_dir() else playbook_dirs)
    base = lib.get(parent)
    version = next_version(playbook_id)
    target = directory / f"{playbook_id}.yaml"
    if os.path.lexists(target) and not os.path.islink(target):
        raise RecoverError(f"{target} already exists — choose another id, or edit that file")
    if not directory.exists():
        directory.mkdir(parents=True)
    # a playbook is shared team text, not personal data: the usual file mode, but never through a link
    shared = 0o666 & ~_umask()
    write_output(target, playbook_yaml(playbook_id, base, version, target), what="playbook", mode=shared)
    schema = directory / SCHEMA_FILE
    if os.path.islink(schema):
        return Scaffolded(target, None)
    write_output(schema, json.dumps(schema_of(Playbook), indent=2) + "\n", force=True, what="schema", mode=shared)
    return Scaffolded(target, schema)


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old
