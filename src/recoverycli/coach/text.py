"""Text as the coach reads it: one apostrophe, contractions spelled out, each word in its dictionary form.

"It wasn't my fault", "it was not my fault" and "IT WASN’T MY FAULT" all read `it be not my fault`, so one
phrase in coach.yaml catches every wording. Each normalised word keeps the span of the words it came from,
so a flag still points at what the clerk typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

APOSTROPHES = "'’‘ʼ`´"
_FOLD = str.maketrans({c: "'" for c in APOSTROPHES} | {"‐": "-", "‑": "-", "–": "-", "—": "-"})

# a word (letters, digits, inner apostrophes and hyphens), or one punctuation mark
_TOKEN = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*|[^\w\s]", re.UNICODE)

# whole words spelled out first (the irregular ones), then the regular endings
_WHOLE = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "be not",
    "let's": "let us",
    "y'all": "you all",
    "gonna": "go to",
    "wanna": "want to",
    "gotta": "have to",
    "it's": "it is",
    "that's": "that is",
    "there's": "there is",
    "here's": "here is",
    "he's": "he is",
    "she's": "she is",
    "what's": "what is",
    "who's": "who is",
    "where's": "where is",
    "how's": "how is",
    # text-speak in chats and SMS: "u'll need to" reads as "you will need to"
    "u": "you",
    "u'll": "you will",
    "u're": "you are",
    "u've": "you have",
    "u'd": "you would",
    "ur": "your",
    "pls": "please",
    "sry": "sorry",
    "soz": "sorry",
    "plz": "please",
    "cd": "could",
    "wd": "would",
    "shd": "should",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    # apostrophes left out in a hurry: "wont", "youll", "dont"
    "wont": "will not",
    "youll": "you will",
    "youre": "you are",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "isnt": "is not",
    "wasnt": "was not",
    "cant": "can not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "theyll": "they will",
    "theyre": "they are",
    "ive": "i have",
    "im": "i am",
    "thats": "that is",
}
_ENDINGS = (("n't", " not"), ("'ll", " will"), ("'re", " are"), ("'ve", " have"), ("'m", " am"), ("'d", " would"))

# kept as written: modals and pronouns carry who acts and how firmly; their "lemmas" would lose it
_KEEP = {
    "should",
    "would",
    "could",
    "might",
    "must",
    "may",
    "can",
    "will",
    "shall",
    "better",
    "us",
    "our",
    "ours",
    "your",
    "yours",
    "you",
    "we",
    "i",
    "me",
    "my",
    "he",
    "she",
    "they",
    "them",
    "their",
    "it",
    "its",
    "her",
    "his",
    "him",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "sorry",
    "as",
    "rest",
    "need",
    "least",
    "most",
    "more",
    "less",
    "best",
    "worst",
    "further",
    "fewer",
    "latest",
    "earliest",
    "lot",
    "lots",
    "crew",
    "bit",
}  # a noun here, not the past of "crow" (nor "bit" of "bite": "a bit of a nightmare")
_SPELLING = re.compile(
    r"^(apolog|real|organ|priorit|recogn|author|emphas|minim|custom|personal|sympath|special|"
    r"util|final|financ)is(e|ed|es|ing|ation)$"
)
_OUR = {
    "colour": "color",
    "favour": "favor",
    "honour": "honor",
    "behaviour": "behavior",
    "neighbour": "neighbor",
    "labour": "labor",
    "centre": "center",
    "cheque": "check",
    "programme": "program",
    "travelling": "traveling",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "e-mail": "email",
    "e-mails": "email",
    "e-mailed": "email",
    "okay": "ok",
    "o.k": "ok",
}


@dataclass(frozen=True)
class Normalised:
    """The coach's reading of a text: words joined by single spaces, and where each came from."""

    text: str
    spans: tuple[tuple[int, int], ...]  # for each normalised word, its (start, end) in the original
    starts: tuple[int, ...]  # where each normalised word starts in `text`

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that normalised characters [start, end) came from."""
        import bisect

        first = max(bisect.bisect_right(self.starts, start) - 1, 0)
        last = max(bisect.bisect_right(self.starts, max(end - 1, start)) - 1, first)
        return self.spans[first][0], self.spans[last][1]

    @property
    def words(self) -> list[str]:
        return self.text.split(" ") if self.text else []


def fold(text: str) -> str:
    """Lower-case, one apostrophe and one dash style; the same length as the input so spans stay valid."""
    return text.lower().translate(_FOLD)


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    """The dictionary form a word is matched by (verbs first: 'booking' reads 'book', 'was' reads 'be')."""
    if word in _KEEP or not word.isalpha():
        return _OUR.get(word, word)
    word = _OUR.get(word, word)
    m = _SPELLING.match(word)
    if m:
        word = f"{m.group(1)}iz{m.group(2)}"
    from lemminflect import getAllLemmas

    found = getAllLemmas(word)
    for pos in ("VERB", "AUX", "NOUN", "ADJ", "ADV"):
        if found.get(pos):
            return str(found[pos][0])
    return word


def _expand(word: str) -> list[str]:
    if word in _WHOLE:
        return _WHOLE[word].split()
    for ending, spelled in _ENDINGS:
        if word.endswith(ending) and len(word) > len(ending):
            return [word[: -len(ending)], *spelled.split()]
    if word.endswith("'s"):  # possessive: Sam's -> sam
        return [word[:-2]]
    return [word]


@lru_cache(maxsize=1024)
def normalise(text: str) -> Normalised:
    """Contractions spelled out, words in dictionary form, punctuation kept as its own word."""
    folded = fold(text)
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _TOKEN.finditer(folded):
        raw = m.group(0).strip("'")
        if not raw:
            continue
        for part in _expand(raw):
            out.append(lemma(part) if part[:1].isalpha() else part)
            spans.append((m.start(), m.end()))
    starts, pos = [], 0
    for w in out:
        starts.append(pos)
        pos += len(w) + 1
    return Normalised(" ".join(out), tuple(spans), tuple(starts))


def phrase_pattern(phrase: str) -> str:
    """A regular expression matching `phrase`, normalised, as whole words of a normalised text."""
    return r"(?<![^\s])" + re.escape(normalise(phrase).text) + r"(?![^\s])"


# a full stop after these ends no sentence: "Mr. Sato", "e.g. the lounge", "St. Pancras"
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "st",
    "prof",
    "rev",
    "jr",
    "sr",
    "e.g",
    "i.e",
    "eg",
    "ie",
    "etc",
    "vs",
    "approx",
    "no",
    "ref",
    "tel",
    "ext",
    "dept",
    "apt",
    "ave",
    "rd",
    "fig",
    "cf",
}
_STOP = re.compile(r"[.!?]+(?=[\s\"'’”)\]]|$)|\n")


def sentence_spans(text: str, marks: str = "") -> list[tuple[int, int]]:
    """(start, end) of each sentence, spaces trimmed: a sentence ends at . ! ? (or any of `marks`) before a space, or
    at a line break; not at the full stop of a title or abbreviation ("Mr. Sato", "e.g."), nor inside "£3.50" or
    "09.15", nor after "a.m."/"p.m." when the text goes on in lower case."""
    stop = re.compile(_STOP.pattern + "".join(f"|{re.escape(m)}" for m in marks)) if marks else _STOP
    spans: list[tuple[int, int]] = []
    start = 0
    for m in stop.finditer(text):
        if m.group(0) == ".":
            word = re.search(r"([^\s(\[\"'‘“]+)$", text[start : m.start()])
            last = word.group(1).lower() if word else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha() and last != "i"):
                continue
            if last in ("a.m", "p.m") and not re.match(r"\s*[A-Z]", text[m.end() :]):
                continue
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        body = chunk.strip()
        if body:
            out.append((a + lead, a + lead + len(body)))
    return out
