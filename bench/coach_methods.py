"""Which method should the coach use? Honest figures on the development half, run by hand.

    python bench/coach_methods.py            # needs the project installed (pip install -e .)
    pip install wordllama && python bench/coach_methods.py   # adds the embedding model to the comparison

Compares, by 5-fold cross-validation over tests/coach/dev.yaml (never the held-out half):
- a small classifier: logistic regression over the words, word pairs and triples of each normalised
  sentence; a reply is bad when its worst sentence is (multiple-instance training);
- the same over WordLlama sentence embeddings (its 16 MB model ships inside its wheel), if installed;
and prints the rules' own figures on the development half beside them (written against it: not an
estimate). Figures are in docs/coach.md.
"""

from __future__ import annotations

import math
import random
import re
import sys
from pathlib import Path

from recoverycli.coach.text import normalise

_CLAUSE = re.compile(r"[^.!?;\n]+[.!?;]*")
_NUM = re.compile(r"^\d+$")
_PUNCT = set(',.:;!?-"()[]{}/&+*%$€£#@')


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a reply, the unit the model scores (an e-mail line is a sentence too)."""
    spans = []
    for m in _CLAUSE.finditer(text):
        chunk = m.group(0)
        lead = len(chunk) - len(chunk.lstrip())
        body = chunk.strip()
        if sum(ch.isalpha() for ch in body) >= 2:
            spans.append((m.start() + lead, m.start() + lead + len(body)))
    return spans


def words(sentence: str) -> list[str]:
    """The normalised words of a sentence, numbers as <n>, punctuation dropped."""
    out = []
    for w in normalise(sentence).text.split(" "):
        if not w or w in _PUNCT:
            continue
        out.append("<n>" if _NUM.match(w) else w)
    return out


def features(sentence: str) -> list[str]:
    """Words, word pairs and word triples of one sentence; a few reply-level cues beside them."""
    ws = words(sentence)
    padded = ["<s>", *ws, "</s>"]
    feats = [f"w:{w}" for w in ws]
    feats += [f"b:{a} {b}" for a, b in zip(padded, padded[1:])]
    feats += [f"t:{a} {b} {c}" for a, b, c in zip(padded, padded[1:], padded[2:])]
    return sorted(set(feats))


def _train_logistic(
    rows: list[tuple[list[str], float, float]], l2: float, epochs: int, seed: int
) -> tuple[float, dict[str, float]]:
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
            z = _z(b, w, feats)
            p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
            g = (p - y) * weight
            b -= lr * g
            for f, v in _items(feats):
                old = w.get(f, 0.0)
                w[f] = old - lr * (g * v + l2 * old)
    return b, w


def train(replies, featurize, l2=0.002, epochs=30, rounds=2, seed=7):
    """Sincere replies' sentences are all good; a bad reply has at least one bad sentence, found by training
    on all its sentences first, then keeping the one the model finds worst (multiple-instance)."""
    good = [featurize(r.text[a:b]) for r in replies if r.verdict == "sincere" for a, b in sentences(r.text)]
    bad_sets = [
        [featurize(r.text[a:b]) for a, b in sentences(r.text)] or [featurize(r.text)]
        for r in replies
        if r.verdict == "bad"
    ]
    chosen = bad_sets
    bias, weights = 0.0, {}
    for rnd in range(rounds):
        ratio = len(good) / max(len(chosen), 1)
        rows = [(f, 0.0, 1.0) for f in good] + [(f, 1.0, ratio / len(s)) for s in chosen for f in s]
        bias, weights = _train_logistic(rows, l2, epochs, seed + rnd)
        chosen = [[max(s, key=lambda f: _z(bias, weights, f))] for s in bad_sets]
    return lambda f: _z(bias, weights, f)


def _items(feats):
    """Binary features are names; dense ones (embeddings) are (name, value) pairs."""
    return ((f, 1.0) if isinstance(f, str) else f for f in feats)


def _z(bias, weights, feats):
    return bias + sum(weights.get(f, 0.0) * v for f, v in _items(feats))


def embedder():
    """WordLlama's bundled model, loaded from its own wheel (its loader looks for the tokenizer in the wrong folder)."""
    try:
        import numpy as np
        import wordllama
        from safetensors import safe_open
        from wordllama import WordLlama
        from wordllama.inference import WordLlamaInference
    except ImportError:
        return None
    root = Path(wordllama.__file__).parent
    tok = WordLlama.load_tokenizer(root / "tokenizers" / "l2_supercat_tokenizer_config.json")
    with safe_open(root / "weights" / "l2_supercat_256.safetensors", framework="np", device="cpu") as f:
        wl = WordLlamaInference(f.get_tensor("embedding.weight"), tok, binary=False)

    def featurize(sentence):
        vec = np.asarray(wl.embed([sentence], norm=True)[0], dtype=float)
        return {f"e{i}": float(v) * 4 for i, v in enumerate(vec)}

    return featurize


def folds(replies, k=5, seed=15):
    rng = random.Random(seed)
    by = {}
    for i, r in enumerate(replies):
        by.setdefault((r.verdict, r.move), []).append(i)
    out = [[] for _ in range(k)]
    n = 0
    for key in sorted(by):
        idx = by[key][:]
        rng.shuffle(idx)
        for i in idx:
            out[n % k].append(i)
            n += 1
    return out


def reply_score(score, featurize, text):
    return max((score(featurize(text[a:b])) for a, b in sentences(text)), default=score(featurize(text)))


def cross_validate(name, replies, featurize):
    scored = []
    for fold in folds(replies):
        held = set(fold)
        score = train([r for i, r in enumerate(replies) if i not in held], featurize)
        scored += [(replies[i].verdict == "bad", reply_score(score, featurize, replies[i].text)) for i in fold]
    bad = sorted(s for b, s in scored if b)
    good = sorted(s for b, s in scored if not b)
    print(f"{name}: 5-fold cross-validation over {len(replies)} replies")
    for target in (0.05, 0.10, 0.20):
        cut = good[min(len(good) - 1, int(len(good) * (1 - target)))]
        recall = sum(s > cut for s in bad) / len(bad)
        print(f"  false flags {sum(s > cut for s in good) / len(good):5.1%}  ->  recall {recall:5.1%}")


def main() -> int:
    from recoverycli import coach
    from recoverycli.coach.corpus import bundled_corpus_dir, context_for, load_corpus, score

    dev = load_corpus(bundled_corpus_dir() / "dev.yaml")
    cross_validate("n-gram classifier", dev, features)
    dense = embedder()
    if dense is not None:
        cross_validate("WordLlama embedding classifier", dev, lambda s: [(k, v) for k, v in dense(s).items()])
    else:
        print("WordLlama embedding classifier: not installed (pip install wordllama to compare it)")
    card = score("dev", "", dev, lambda r: coach.check(r.text, coach.default_rules(), context_for(r)))
    t = card.overall
    print(
        f"rules (written against this half: training figures): recall {t.recall:.1%}, "
        f"false flags {t.false_flag_rate:.1%}, false blocks {t.false_blocks}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
