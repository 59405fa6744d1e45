"""A second opinion beside the rules: a small trained scorer for bad replies in wording no rule was written for.

Logistic regression over the words, word pairs and word triples of each normalised sentence, the same pairs with
words replaced by a class (a colleague or partner, a way of contacting, a failure, a minimiser, who: you / we /
they), so that a move said with a noun the corpus never used still weighs the same, with a few cues about the
whole reply (does it own the problem, does it say who acts and when). A reply sounds bad when its worst sentence
does; a second model over the same features names the move a customer would hear.
The weights are plain JSON inside the package (`coach/model.json`), trained by `bench/coach_train.py` on
the development half of the labelled corpus; scoring is pure Python, loaded the first time it is needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from recoverycli.coach.text import normalise, sentence_spans

MODEL_PATH = Path(__file__).with_name("model.json")

_NUM = re.compile(r"^[\d.,:/%$€£-]+$")
_PUNCT = set(",.:;!?-\"()[]{}/&+*%$€£#@–—…'")
_WHEN = re.compile(
    r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m|p\.m)\b|\b(?:today|tonight|tomorrow|now|by \w+day|"
    r"within \w+|in \w+ minutes)\b",
    re.I,
)
_ACT = re.compile(
    r"\b(?:i|we) (?:have|will|be|be go to|be now|have just|have already|just|already) (?:just |already |now "
    r"|personally )?"
    r"(?:refund|book|move|credit|waive|send|arrange|upgrade|reverse|call|ring|speak|cancel|cover|pay|sort|fix|put|take|"
    r"reissue|remove|add|confirm|authorize|process|knock|give|hold|reserve|set|get|drop|change|talk)\b"
)
_OWN = re.compile(
    r"\bon (?:us|me)\b|\b(?:our|my) (?:fault|mistake|error|failing|problem|mess|responsibility|job)\b|\bours\b|"
    r"\b(?:we|i) should have\b|\bshould (?:not|never) have\b|\bno excuse\b|\bnot (?:your|yours)\b"
)


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a reply, the unit the model scores (an e-mail line is a sentence too)."""
    return [(a, b) for a, b in sentence_spans(text, ";") if sum(ch.isalpha() for ch in text[a:b]) >= 2]


def words(sentence: str) -> list[str]:
    """The normalised words of a sentence, numbers as <n>, punctuation dropped."""
    return ["<n>" if _NUM.match(w) else w for w in normalise(sentence).text.split(" ") if w and w not in _PUNCT]


def reply_cues(text: str, prompt: str | None) -> list[str]:
    """What the whole reply says about ownership and action, shared by each of its sentences."""
    norm = normalise(text).text
    cues = [f"F:{prompt or 'reply'}"]
    cues += ["R:owned"] if _OWN.search(norm) else ["R:not-owned"]
    cues += ["R:acts"] if _ACT.search(norm) else ["R:no-action"]
    cues += ["R:when"] if _WHEN.search(text) else ["R:no-when"]
    return cues


# classes of words, so that a move said with a noun or verb the model never saw still shares features with one it did:
# "the caterer let us down" and "the florist let us down" both read "PARTY let us down"; who acts in a clause
_CLASSES: dict[str, tuple[str, ...] | list[str]] = {
    "YOU": ("you", "your", "yours", "yourself", "u", "ur", "yr"),
    "WE": ("we", "i", "us", "our", "me", "my", "ours", "myself", "ourselves"),
    "THEY": ("they", "them", "their", "he", "she", "him", "her", "his", "theirs", "themselves"),
    "PARTY": (
        "contractor staff subcontractor vendor supplier partner operator agency agent provider handler crew "
        "lad lads guy girl team shift department reception receptionist housekeeping housekeeper kitchen chef "
        "cook waiter waitress server driver guide colleague cleaner valet attendant porter technician "
        "engineer mechanic airline airport authority company firm carrier system software app site website "
        "platform portal computer supervisor trainee caterer florist baker photographer concierge rep "
        "representative owner landlord office desk counter manager insurer bank issuer council franchise "
        "hotel resort spa line operator it finance accounts dispatch depot harbour port terminal ground "
        "handler night overnight weekend"
    ).split(),
    "CONTACT": (
        "call ring phone email contact reach text message write speak talk visit pop go head drop number line cell "
        "website form portal address details hold touch"
    ).split(),
    "FAIL": (
        "forget miss lose fail drop skip mess mix wrong late delay break broken crash glitch error mistake fault "
        "overbook swap switch move change without"
    ).split(),
    "SMALL": (
        "only just few little tiny small minor least still anyway relax end ahead bright plenty worse "
        "short brief fraction less most usual normal"
    ).split(),
    "CAN": ("can", "could", "would", "should", "might", "may", "need", "best", "better", "quick", "fast", "easy"),
}
_CLASS_OF = {w: c for c, ws in _CLASSES.items() for w in ws}


def _classed(ws: list[str]) -> list[str]:
    return [_CLASS_OF.get(w, "_") for w in ws]


def features(sentence: str, cues: list[str]) -> list[str]:
    """Words, word pairs and word triples of one sentence; word pairs with words replaced by their class ("PARTY let")
    and the order of the classes in it ("PARTY FAIL", "YOU CONTACT"); and the reply's cues."""
    ws = words(sentence)
    padded = ["<s>", *ws, "</s>"]
    feats = [f"w:{w}" for w in ws]
    feats += [f"b:{a} {b}" for a, b in zip(padded, padded[1:])]
    feats += [f"t:{a} {b} {c}" for a, b, c in zip(padded, padded[1:], padded[2:])]
    classes = _classed(ws)
    cls = ["<s>", *[c if c != "_" else w for c, w in zip(classes, ws)], "</s>"]
    feats += [f"cb:{a} {b}" for a, b in zip(cls, cls[1:]) if a.isupper() or b.isupper()]
    seq = [c for c in classes if c != "_"]
    feats += [f"cs:{a} {b}" for a, b in zip(seq, seq[1:])]
    return sorted(set(feats + cues))


@dataclass
class Model:
    """Trained weights: `bad` scores a sentence (log-odds), `moves` names the move it sounds like."""

    bias: float
    weights: dict[str, float]
    threshold: float
    moves: dict[str, tuple[float, dict[str, float]]]
    trained_on: list[str]

    def score(self, feats: list[str]) -> float:
        return self.bias + sum(self.weights.get(f, 0.0) for f in feats)

    def move(self, feats: list[str]) -> str:
        return max(self.moves, key=lambda m: self.moves[m][0] + sum(self.moves[m][1].get(f, 0.0) for f in feats))

    def telling(self, feats: list[str], n: int = 3) -> list[str]:
        """The words that weigh most towards 'bad' in this sentence, for the clerk to see why."""
        ranked = sorted((self.weights.get(f, 0.0), f) for f in feats if f[:2] in ("w:", "b:", "t:"))
        return [f[2:] for w, f in reversed(ranked[-n:]) if w > 0]

    def as_json(self) -> dict[str, Any]:
        def r(d: dict[str, float], least: float) -> dict[str, float]:  # weights too small to matter are left out
            return {k: round(v, 3) for k, v in sorted(d.items()) if abs(v) >= least}

        return {
            "bias": round(self.bias, 4),
            "threshold": round(self.threshold, 4),
            "trained_on": self.trained_on,
            "weights": r(self.weights, 0.02),
            "moves": {m: [round(b, 4), r(w, 0.05)] for m, (b, w) in self.moves.items()},
        }


@lru_cache(maxsize=2)
def load(path: str = str(MODEL_PATH)) -> Model | None:
    """The shipped model, read once; None when the package has none (the rules still work alone)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Model(
        data["bias"],
        data["weights"],
        data["threshold"],
        {m: (b, w) for m, (b, w) in data["moves"].items()},
        data.get("trained_on", []),
    )


@dataclass
class Verdict:
    """The model's view of a reply: its worst sentence, how bad it sounds, and the move it sounds like."""

    start: int
    end: int
    score: float
    move: str
    telling: list[str]


def judge(text: str, prompt: str | None, model: Model) -> Verdict | None:
    """The reply's worst sentence, as the model scores it (None for an empty reply)."""
    cues = reply_cues(text, prompt)
    best: Verdict | None = None
    for a, b in sentences(text) or [(0, len(text))]:
        feats = features(text[a:b], cues)
        s = model.score(feats)
        if best is None or s > best.score:
            best = Verdict(a, b, s, "", [])
            best_feats = feats
    if best is not None:
        best.move = model.move(best_feats)
        best.telling = model.telling(best_feats)
    return best
