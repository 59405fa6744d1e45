"""What a customer hears, beyond the trainers' phrases: a small classifier trained on the labelled corpus.

It reads each sentence of a reply (normalised: contractions spelled out, words in dictionary form) as
words and word pairs, and scores how likely a customer hears it as a bad move, and which one. A flag
names the sentence, the move, the words that weighed most, and the move's reason and better wording
from coach.yaml. Pure Python: the weights are a JSON file shipped beside coach.yaml, read on first use.

Train it again after the corpus changes:  python -m recoverycli.coachmodel train
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from recoverycli.coachtext import normalise

MODEL_FILE = "coach-model.json"
_CLAUSE = re.compile(r"[^.!?;\n]+[.!?;]*")
_NUM = re.compile(r"^\d+$")
_PUNCT = set(",.:;!?-\"()[]{}/&+*%$€£#@")


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


def features(sentence: str, whole: str | None = None) -> list[str]:
    """Words, word pairs and word triples of one sentence; a few reply-level cues beside them."""
    ws = words(sentence)
    padded = ["<s>", *ws, "</s>"]
    feats = [f"w:{w}" for w in ws]
    feats += [f"b:{a} {b}" for a, b in zip(padded, padded[1:])]
    feats += [f"t:{a} {b} {c}" for a, b, c in zip(padded, padded[1:], padded[2:])]
    return sorted(set(feats))


@dataclass
class Model:
    """Weights for 'bad at all' and for which move, over sentence features."""

    bias: float
    weights: dict[str, float]
    moves: dict[str, dict[str, Any]]  # move -> {"bias": float, "weights": {feature: w}}
    warn_at: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def probability(self, feats: Iterable[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def move(self, feats: list[str]) -> str:
        best, best_z = "", -math.inf
        for name, m in self.moves.items():
            z = m["bias"] + sum(m["weights"].get(f, 0.0) for f in feats)
            if z > best_z:
                best, best_z = name, z
        return best

    def cues(self, feats: list[str], n: int = 3) -> list[str]:
        """The words that pushed this sentence towards 'bad' most, as a person reads them."""
        pushed = sorted(((self.weights.get(f, 0.0), f) for f in feats), reverse=True)
        out: list[str] = []
        for w, f in pushed:
            if w <= 0.05 or len(out) >= n:
                break
            words_ = f.split(":", 1)[1].replace("<s>", "").replace("</s>", "").replace("<n>", "#").strip()
            if words_ and not any(words_ in o or o in words_ for o in out):
                out.append(words_)
        return out

    def scored(self, text: str) -> list[tuple[int, int, float, list[str]]]:
        """(start, end, probability, features) for each sentence."""
        out = []
        for start, end in sentences(text):
            feats = features(text[start:end], text)
            out.append((start, end, self.probability(feats), feats))
        return out

    def flags(self, text: str, ctx: Any, already: list[Any], moves: dict[str, Any] | None = None) -> list[Any]:
        """A warning on each sentence the model hears as bad that no rule has flagged yet."""
        from recoverycli.coach import Flag

        out = []
        for start, end, p, feats in self.scored(text):
            if p < self.warn_at or any(f.start < end and start < f.end for f in already):
                continue
            move = self.move(feats)
            about = (moves or {}).get(move)
            cues = self.cues(feats)
            heard = f" (it reads as {move.replace('-', ' ')}: “{'”, “'.join(cues)}”)" if cues else f" (it reads as {move.replace('-', ' ')})"
            reason = (about.reason if about else "A customer is likely to hear this badly.") + heard
            suggestion = about.suggestion if about else "Say what you will do, who does it and by when."
            out.append(Flag(f"heard-as-{move}", move, "warning", start, end, text[start:end], reason, suggestion))
        return out

    def to_json(self) -> str:
        return json.dumps({"bias": self.bias, "warn_at": self.warn_at, "meta": self.meta,
                           "weights": {k: round(v, 4) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-4},
                           "moves": {m: {"bias": round(v["bias"], 4),
                                         "weights": {k: round(w, 4) for k, w in sorted(v["weights"].items()) if abs(w) >= 1e-4}}
                                     for m, v in self.moves.items()}}, indent=0, ensure_ascii=False)


def bundled_model_path() -> Path:
    from recoverycli.playbooks import bundled_dir

    return bundled_dir() / MODEL_FILE


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> Model:
    """The shipped weights, read once (about 100 KB of JSON)."""
    data = json.loads(Path(path or bundled_model_path()).read_text(encoding="utf-8"))
    return Model(bias=data["bias"], weights=data["weights"], moves=data["moves"], warn_at=data.get("warn_at", 0.5),
                 meta=data.get("meta", {}))


# --- training (run by hand; the tests retrain on small data) ------------------------------------------


def _train_logistic(rows: list[tuple[list[str], float, float]], l2: float, epochs: int, seed: int) -> tuple[float, dict[str, float]]:
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
            p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
            g = (p - y) * weight
            b -= lr * g
            for f in feats:
                old = w.get(f, 0.0)
                w[f] = old - lr * (g + l2 * old)
    return b, w


def train(replies: list[Any], l2: float = 0.002, epochs: int = 30, rounds: int = 2, seed: int = 7,
          warn_at: float = 0.5) -> Model:
    """Sincere replies' sentences are all good; a bad reply has at least one bad sentence, found by
    training on all its sentences first, then keeping the one the model finds worst (multiple-instance)."""
    good = [features(reply.text[s:e]) for reply in replies if reply.verdict == "sincere" for s, e in sentences(reply.text)]
    bad_sets = [(reply.move, [features(reply.text[s:e]) for s, e in sentences(reply.text)] or [features(reply.text)])
                for reply in replies if reply.verdict == "bad"]
    chosen = [(move, sents) for move, sents in bad_sets]
    bias, weights = 0.0, {}
    for r in range(rounds):
        rows = [(f, 0.0, 1.0) for f in good]
        for move, sents in chosen:
            rows += [(f, 1.0, 1.0 / len(sents)) for f in sents]
        ratio = len(good) / max(sum(len(s) and 1 for _, s in chosen), 1)
        rows = [(f, y, wt * (ratio if y else 1.0)) for f, y, wt in rows]
        bias, weights = _train_logistic(rows, l2, epochs, seed + r)
        model = Model(bias, weights, {}, warn_at)
        chosen = [(move, [max(sents, key=model.probability)]) for move, sents in bad_sets]
    moves: dict[str, dict[str, Any]] = {}
    names = sorted({m for m, _ in chosen})
    for name in names:
        rows = [(sents[0], 1.0 if m == name else 0.0, 1.0) for m, sents in chosen]
        b, w = _train_logistic(rows, l2, epochs, seed + 100)
        moves[name] = {"bias": b, "weights": w}
    return Model(bias, weights, moves, warn_at)


def _main(argv: list[str]) -> int:
    import argparse

    from recoverycli.coachcorpus import bundled_corpus_dir, load_corpus

    ap = argparse.ArgumentParser(prog="python -m recoverycli.coachmodel", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train on the development half (and extra examples) and write the weights")
    t.add_argument("corpus", nargs="*", type=Path, help="corpus files (default: dev.yaml and extra-dev.yaml)")
    t.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    folder = bundled_corpus_dir()
    files = args.corpus or [p for p in (folder / "dev.yaml", folder / "extra-dev.yaml") if p.is_file()]
    if any(p.name.startswith("heldout") for p in files):
        ap.error("never train on the held-out half")
    replies = [r for p in files for r in load_corpus(p)]
    model = train(replies)
    model.meta = {"trained_on": [p.name for p in files], "replies": len(replies)}
    out = args.out or bundled_model_path()
    out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"{out}: {len(model.weights)} weights from {len(replies)} replies")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
