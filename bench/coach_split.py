"""Split a labelled corpus file into two halves with a fixed seed, stratified by verdict, move, tricky and field.

    python bench/coach_split.py tests/coach/dev-sincere.yaml OUTDIR [--seed 1503]

Writes OUTDIR/<stem>-a.yaml (develop against it) and OUTDIR/<stem>-b.yaml (score it once, when done).
Run by hand; the halves are scratch files, not part of the repository.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import yaml


def halves(replies: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    """Every stratum shuffled with `seed` and dealt alternately, so both halves have the same mix."""
    rng = random.Random(seed)
    strata: dict[tuple, list[int]] = {}
    for i, r in enumerate(replies):
        strata.setdefault((r["verdict"], r["move"], bool(r.get("tricky")), r.get("field", "reply")), []).append(i)
    a: list[int] = []
    b: list[int] = []
    turn = 0
    for key in sorted(strata):
        idx = strata[key][:]
        rng.shuffle(idx)
        for i in idx:
            (a if turn % 2 == 0 else b).append(i)
            turn += 1
    return [replies[i] for i in sorted(a)], [replies[i] for i in sorted(b)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=1503)
    args = ap.parse_args()
    replies = yaml.safe_load(args.corpus.read_text(encoding="utf-8"))["replies"]
    args.outdir.mkdir(parents=True, exist_ok=True)
    for name, part in zip("ab", halves(replies, args.seed)):
        out = args.outdir / f"{args.corpus.stem}-{name}.yaml"
        out.write_text(
            yaml.safe_dump({"replies": part}, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
        )
        bad = sum(r["verdict"] == "bad" for r in part)
        print(
            f"{out}: {len(part)} replies ({bad} bad, {len(part) - bad} sincere, "
            f"{sum(bool(r.get('tricky')) for r in part if r['verdict'] == 'sincere')} tricky sincere)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
