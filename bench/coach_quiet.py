"""Earlier rounds' rule files on the writers who came after them, with the model trained without each writer's round:
the honest figure for an engine or model change (round 9). Run by hand.

    python bench/coach_lowo.py --rounds --seed 0 --scores /tmp/s0.pkl     # left-out scores, one pickle per seed
    python bench/coach_lowo.py --rounds --seed 1 --scores /tmp/s1.pkl
    git show 045cbea:playbooks/coach.yaml > /tmp/rules/r4.yaml            # round 4's rules (r5 402f107, r6 56a5727,
    python bench/coach_quiet.py /tmp/s0.pkl /tmp/s1.pkl --rules /tmp/rules  # r7 9fcfc4f, r8 c9c9b9a)

Each rule file rN (rN.yaml in --rules) is scored on the spent files written after it (round N's held-out pair and
later), so neither it nor the model ever saw the writer. The model's threshold is calibrated like `coach_train.py`:
pooled over the seeds' left-out scores of the other files (both files of a held-out round left out together), at
--target. Two figures per rule file: the current engine as it stands, and without the model quieting the warnings of
`quiet_when_sincere` rules (`coach._surely_sincere`). Scores are averaged over the seeds.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

from coach_train import writer_groups
from recoverycli import coach
from recoverycli.coach.corpus import bundled_corpus_dir, context_for, load_corpus
from recoverycli.coach.model import SURELY_SINCERE

UNSEEN = {"r4": range(3, 13), "r5": range(5, 13), "r6": range(7, 13), "r7": range(9, 13), "r8": range(11, 13)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scores", nargs="+", type=Path, help="pickles of left-out scores (coach_lowo.py --rounds --scores)")
    ap.add_argument("--rules", type=Path, required=True, help="a folder of earlier rule files r4.yaml ... r8.yaml")
    ap.add_argument("--target", type=float, default=0.0075)
    args = ap.parse_args()
    runs = [pickle.loads(p.read_bytes()) for p in args.scores]
    corpora = {p.stem: load_corpus(p) for p in sorted(bundled_corpus_dir().glob("dev*.yaml"))}
    cur = coach.default_rules()
    quietable = {c.rule.id for c in cur if c.rule.quiet_when_sincere}
    partners = {s: g for g in writer_groups(list(corpora)) for s in g}
    silent = {id(r): not coach.check(r.text, cur, context_for(r)) for rs in corpora.values() for r in rs}

    def threshold(test: str) -> float:
        out = partners.get(test, (test,))
        sincere = [
            (s, i) for s, rs in corpora.items() if s not in out for i, r in enumerate(rs) if r.verdict == "sincere"
        ]
        pool = []
        for scores in runs:
            for s, i in sincere:
                r, (score, move) = corpora[s][i], scores[s][i]
                if silent[id(r)] and move is not None and not coach.silenced(r.text, move, cur):
                    pool.append(score)
        pool.sort(reverse=True)
        k = int(len(sincere) * len(runs) * args.target)
        return pool[k] if k < len(pool) else float("-inf")

    for name, numbers in UNSEEN.items():
        path = args.rules / f"{name}.yaml"
        if not path.exists():
            continue
        rules = coach.default_rules(path)
        files = [f"dev-spent-{i}" for i in numbers]
        tally = {"without quieting": [0, 0, 0, 0, 0], "with quieting": [0, 0, 0, 0, 0]}
        for s in files:
            th = threshold(s)
            for i, r in enumerate(corpora[s]):
                ctx = context_for(r)
                flags = coach.check(r.text, rules, ctx)
                rule_ids = {(f.rule, f.start) for f in coach.rule_flags(r.text, rules, ctx)}
                quiet_ok = bool(flags) and all(
                    f.level == "warning" and f.rule in quietable and (f.rule, f.start) in rule_ids for f in flags
                )
                for scores in runs:
                    score, move = scores[s][i]
                    speaks = not flags and move is not None and not coach.silenced(r.text, move, rules)
                    for mode, t in tally.items():
                        kept = flags and not (mode == "with quieting" and quiet_ok and score < SURELY_SINCERE)
                        flagged = bool(kept) or (speaks and score > th)
                        if r.verdict == "bad":
                            t[0] += flagged
                            t[1] += 1
                        else:
                            t[2] += flagged
                            t[3] += 1
                            t[4] += bool(kept) and any(f.level == "error" for f in flags)
        print(f"{name} rules on {files[0]} .. {files[-1]}, target {args.target:.2%}:")
        for mode, (c, nb, f, ns, b) in tally.items():
            n = len(runs)
            print(
                f"  {mode:17s} recall {c / nb:.1%} ({c / n:.1f}/{nb // n}), false flags {f / ns:.2%} "
                f"({f / n:.1f}/{ns // n}), blocks {b / n:.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
