"""A quick leave-one-writer-out figure for the coach (rules + trained model). Run by hand.

    python bench/coach_lowo.py                                  # train 13 models, score; ~3 minutes
    python bench/coach_lowo.py --scores /tmp/lowo.pkl           # keep the models' scores, to re-score rules quickly
    python bench/coach_lowo.py --scores /tmp/lowo.pkl --targets 0.01 0.0125 0.015 --files dev-spent-7 dev-spent-8
    python bench/coach_lowo.py --scores /tmp/lowo.pkl --rules OLD.yaml   # an earlier round's rules, honest on its files
    python bench/coach_lowo.py --rounds --scores /tmp/rounds.pkl          # leave out both files of a held-out round

For each development file, the model is trained once on all the other files and scores the left-out file; a reply's
score does not depend on the rules, so it is computed once and can be kept (--scores) while the rules change. The
threshold for a left-out file is the one that would flag --target of the OTHER files' sincere replies the model may
speak on (rules silent, not `coach.silenced`), taken from their own left-out scores. This is quicker than
`bench/coach_train.py --lofo` (which nests the calibration: 13 x 12 trainings) and differs from it only in that the
other files' left-out scores were computed by models that had seen the scored file. With --rounds, the two files of a
held-out round (written at the same time, to the same brief) are left out together, for the training and for the
threshold: the round-8 figure, since leaving out one file of a pair ran 1.5-3.5 points low on false flags.

It prints the rules alone on every file, then rules + model on --files at each target, and the model alone over
every file (the share of all bad replies it hears where it may speak, and the false flags it adds).
The rules are the tree's current ones: a rule written from a file is not left out by this script; for an honest rules
figure, write the rules from one file and score another (docs/coach.md, Round 7).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

from coach_train import train, writer_groups
from recoverycli import coach
from recoverycli.coach import model as coachmodel
from recoverycli.coach.corpus import bundled_corpus_dir, context_for, load_corpus


def left_out_scores(corpora: dict[str, list], rounds: bool = False) -> dict[str, list[tuple[float, str | None]]]:
    out: dict[str, list[tuple[float, str | None]]] = {}
    groups = writer_groups(list(corpora)) if rounds else [(s,) for s in corpora]
    for group in groups:
        m = train([r for s, rs in corpora.items() if s not in group for r in rs])
        for test in group:
            verdicts = [coachmodel.judge(r.text, context_for(r).prompt, m) for r in corpora[test]]
            out[test] = [(v.score, v.move) if v else (float("-inf"), None) for v in verdicts]
        print(f"  trained without {', '.join(group)}", file=sys.stderr, flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scores", type=Path, help="a pickle of the left-out scores: read if it exists, else written")
    ap.add_argument("--targets", nargs="*", type=float, default=[0.01, 0.0125, 0.015, 0.02])
    ap.add_argument("--files", nargs="*", default=["dev-spent-9", "dev-spent-10"])
    ap.add_argument("--rules", type=Path, help="a coach.yaml instead of the bundled one (e.g. an earlier round's)")
    ap.add_argument("--rounds", action="store_true", help="leave out both files of a held-out round together")
    args = ap.parse_args()
    corpora = {p.stem: load_corpus(p) for p in sorted(bundled_corpus_dir().glob("dev*.yaml"))}
    if args.scores and args.scores.exists():
        scores = pickle.loads(args.scores.read_bytes())
    else:
        scores = left_out_scores(corpora, args.rounds)
        if args.scores:
            args.scores.write_bytes(pickle.dumps(scores))
    rules = coach.default_rules(args.rules)
    rows = {}  # id(reply): (rules flag, rules block, score, the model may speak, the model is quiet on it)
    for s, rs in corpora.items():
        for r, (score, move) in zip(rs, scores[s]):
            flags = coach.check(r.text, rules, context_for(r))
            quiet = move is None or coach.silenced(r.text, move, rules)
            rows[id(r)] = (bool(flags), any(f.level == "error" for f in flags), score, not flags and not quiet, quiet)

    partners = {s: g for g in (writer_groups(list(corpora)) if args.rounds else []) for s in g}

    def threshold(test: str, target: float) -> float:
        out = partners.get(test, (test,))  # with --rounds, calibrated without the other file of its round too
        sincere = [r for s, rs in corpora.items() if s not in out for r in rs if r.verdict == "sincere"]
        eligible = sorted((rows[id(r)][2] for r in sincere if rows[id(r)][3]), reverse=True)
        k = int(len(sincere) * target)
        return eligible[k] if k < len(eligible) else float("-inf")

    print("rules alone (the current rules: a training figure on any file they were written from):")
    for s, rs in corpora.items():
        bad = [r for r in rs if r.verdict == "bad"]
        good = [r for r in rs if r.verdict == "sincere"]
        print(
            f"  {s:14s} recall {sum(rows[id(r)][0] for r in bad)}/{len(bad)}, "
            f"false flags {sum(rows[id(r)][0] for r in good)}/{len(good)}, blocks {sum(rows[id(r)][1] for r in good)}"
        )
    for t in args.targets:
        caught = n_bad = ff = n_good = blocks = 0
        print(f"rules + model left out, target {t:.2%}:")
        for s in args.files:
            th = threshold(s, t)
            bad = [r for r in corpora[s] if r.verdict == "bad"]
            good = [r for r in corpora[s] if r.verdict == "sincere"]

            def flagged(r: object, th: float = th) -> bool:
                row = rows[id(r)]
                return row[0] or (row[3] and row[2] > th)

            c, f, b = sum(map(flagged, bad)), sum(map(flagged, good)), sum(rows[id(r)][1] for r in good)
            print(f"  {s:14s} threshold {th:5.2f}: recall {c}/{len(bad)}, false flags {f}/{len(good)}, blocks {b}")
            caught, n_bad, ff, n_good, blocks = caught + c, n_bad + len(bad), ff + f, n_good + len(good), blocks + b
        print(f"  together: recall {caught / n_bad:.1%}, false flags {ff / n_good:.1%}, blocks {blocks}")
        heard = added = every_bad = every_good = 0
        for s, rs in corpora.items():
            th = threshold(s, t)
            for r in rs:
                row = rows[id(r)]
                if r.verdict == "bad":
                    every_bad += 1
                    heard += not row[4] and row[2] > th
                else:
                    every_good += 1
                    added += row[3] and row[2] > th
        print(
            f"  model alone, every file left out: {heard / every_bad:.1%} heard, {added / every_good:.2%} added flags"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
