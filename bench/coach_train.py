"""Train, measure and ship the coach's second opinion (src/recoverycli/coachmodel.py). Run by hand.

    python bench/coach_train.py --lofo                 # leave one corpus file out: the honest figure
    python bench/coach_train.py --write                # train on every development file, write coach_model.json
    python bench/coach_train.py --files dev dev-written --write   # train on some files only

The model learns from the development files only (tests/coach/dev*.yaml); the held-out half is never read.
Its threshold is set by 5-fold cross-validation over the training replies, so that about --target of
the sincere replies the model has not seen would be flagged by it (default 2 %).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

from recoverycli import coach, coachmodel
from recoverycli.coachcorpus import bundled_corpus_dir, context_for, load_corpus

MOVES = ("excuse", "blame", "deflect", "policy", "doubt", "dismiss", "non-apology", "canned", "vague-promise", "template")


def sentence_features(reply) -> list[list[str]]:
    cues = coachmodel.reply_cues(reply.text, context_for(reply).prompt)
    return [coachmodel.features(reply.text[a:b], cues) for a, b in coachmodel.sentences(reply.text)] or \
        [coachmodel.features(reply.text, cues)]


def logistic(rows, l2=0.002, epochs=25, seed=7):
    """Plain logistic regression by SGD over sparse binary features; rows are (features, label, weight)."""
    rng = random.Random(seed)
    w: dict[str, float] = {}
    b = 0.0
    order = list(range(len(rows)))
    for epoch in range(epochs):
        rng.shuffle(order)
        lr = 0.5 / (1 + epoch * 0.2)
        for i in order:
            feats, y, weight = rows[i]
            z = b + sum(w.get(f, 0.0) for f in feats)
            g = (1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0))) - y) * weight
            b -= lr * g
            for f in feats:
                old = w.get(f, 0.0)
                w[f] = old - lr * (g + l2 * old)
    return b, w


def train(replies, threshold=0.0, rounds=2) -> coachmodel.Model:
    """Sincere replies' sentences are all good; a bad reply has at least one bad sentence, found by training on
    all its sentences first, then keeping the one the model finds worst (multiple-instance learning)."""
    good = [f for r in replies if r.verdict == "sincere" for f in sentence_features(r)]
    bad = [(r.move, sentence_features(r)) for r in replies if r.verdict == "bad"]
    chosen = [s for _, s in bad]
    model = coachmodel.Model(0.0, {}, threshold, {}, [])
    for rnd in range(rounds):
        ratio = len(good) / max(len(chosen), 1)
        rows = [(f, 0.0, 1.0) for f in good] + [(f, 1.0, ratio / len(s)) for s in chosen for f in s]
        model.bias, model.weights = logistic(rows, seed=7 + rnd)
        chosen = [[max(s, key=model.score)] for _, s in bad]
    worst = [(move, s[0]) for (move, _), s in zip(bad, chosen)]
    for move in MOVES:
        rows = [(f, 1.0 if m == move else 0.0, 1.0) for m, f in worst]
        if any(y for _, y, _ in rows):
            model.moves[move] = logistic(rows, l2=0.004, epochs=20, seed=11)
    return model


def reply_score(model, reply) -> float:
    return max(model.score(f) for f in sentence_features(reply))


def folds(replies, k=5, seed=15):
    rng = random.Random(seed)
    by: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(replies):
        by.setdefault((r.verdict, r.move), []).append(i)
    out: list[list[int]] = [[] for _ in range(k)]
    n = 0
    for key in sorted(by):
        idx = by[key][:]
        rng.shuffle(idx)
        for i in idx:
            out[n % k].append(i)
            n += 1
    return out


def calibrate(replies, target: float) -> float:
    """The score above which `target` of the sincere replies would be flagged, by 5-fold cross-validation."""
    good = []
    for fold in folds(replies):
        held = set(fold)
        m = train([r for i, r in enumerate(replies) if i not in held])
        good += [reply_score(m, replies[i]) for i in fold if replies[i].verdict == "sincere"]
    good.sort()
    return good[min(len(good) - 1, int(len(good) * (1 - target)))]


def figures(name, replies, flagged) -> str:
    bad = [r for r in replies if r.verdict == "bad"]
    good = [r for r in replies if r.verdict == "sincere"]
    caught = sum(flagged(r) for r in bad)
    ff = sum(flagged(r) for r in good)
    return f"{name}: recall {caught / len(bad):.1%} ({caught}/{len(bad)}), false flags {ff / len(good):.1%} ({ff}/{len(good)})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", nargs="*", default=None, help="corpus stems to train on (default: every dev*.yaml)")
    ap.add_argument("--target", type=float, default=0.02, help="share of unseen sincere replies the model may flag")
    ap.add_argument("--lofo", action="store_true", help="leave each file out in turn and score on it")
    ap.add_argument("--write", action="store_true", help="write src/recoverycli/coach_model.json")
    args = ap.parse_args()
    folder = bundled_corpus_dir()
    stems = args.files or sorted(p.stem for p in folder.glob("dev*.yaml"))
    assert not any(s.startswith("heldout") for s in stems), "the held-out half is never trained on"
    corpora = {s: load_corpus(folder / f"{s}.yaml") for s in stems}
    rules = coach.default_rules()
    by_rules = {id(r): bool(coach.check(r.text, rules, context_for(r))) for rs in corpora.values() for r in rs}
    if args.lofo:
        for test in stems:
            train_on = [r for s, rs in corpora.items() if s != test for r in rs]
            threshold = calibrate(train_on, args.target)
            m = train(train_on, threshold)
            scored = {id(r): reply_score(m, r) > threshold for r in corpora[test]}
            print(f"leave out {test} (trained on {len(train_on)} replies, threshold {threshold:.2f}):")
            print("  " + figures("model alone", corpora[test], lambda r: scored[id(r)]))
            print("  " + figures("rules alone", corpora[test], lambda r: by_rules[id(r)]))
            print("  " + figures("rules + model", corpora[test], lambda r: scored[id(r)] or by_rules[id(r)]))
    if args.write:
        every = [r for rs in corpora.values() for r in rs]
        threshold = calibrate(every, args.target)
        m = train(every, threshold)
        m.trained_on = [f"{s}.yaml" for s in stems]
        import json

        coachmodel.MODEL_PATH.write_text(json.dumps(m.as_json(), separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
        size = coachmodel.MODEL_PATH.stat().st_size
        print(f"wrote {coachmodel.MODEL_PATH} ({size / 1024:.0f} kB): {len(every)} replies, threshold {threshold:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
