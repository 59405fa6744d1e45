"""The starting file for `recover playbook new`: valid, commented, and passing lint as created."""

from __future__ import annotations

import shlex
from pathlib import Path

from recoverycli.playbooks.schema import Playbook


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
