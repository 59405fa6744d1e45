"""Who the customer is, normalised, so their second call finds their first [kuzmeski-second-complaint]."""

from __future__ import annotations

import os
import re
import unicodedata

_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]{7,}$")


def phone_region() -> str:
    """The region for numbers typed without +country (RECOVER_PHONE_REGION, default US)."""
    return (os.environ.get("RECOVER_PHONE_REGION") or "US").upper()


_INITIAL = re.compile(r"^\w\.?$")
# Honorifics that go with the given name rather than the surname ("Sir Elton", "Father Brown").
_GIVEN_NAME_TITLES = {"sir", "dame", "father", "brother", "sister", "lord", "lady"}


def address_as(name: str) -> str:
    """How a say-line addresses the customer: "Mrs Obi" when they gave a title, else their first name ("Amara");
    the whole name rather than a bare title or an initial ("A. Obi")."""
    from nameparser import HumanName
    from nameparser.config import CONSTANTS

    text = " ".join(name.split())
    if not text:
        return ""
    parsed = HumanName(text)
    parsed.capitalize()  # only changes an all-lower or all-upper name
    title = parsed.title.replace(".", "").strip()
    first, last = parsed.first.strip(), parsed.last.strip()
    usable = bool(first) and not _INITIAL.match(first)
    said = str(parsed)
    if title:
        if title.lower() in _GIVEN_NAME_TITLES and usable:
            said = f"{title} {first}"
        elif last or usable:
            said = f"{title} {last or first}"
    elif usable:
        said = first
    # nameparser reads some short names as suffixes ("Mr Jp": Jp = Justice of the Peace), leaving the title as the
    # first name: a bare title or initial is never how we address someone, so say the whole name instead
    if _INITIAL.match(said) or said.lower().rstrip(".") in CONSTANTS.titles:
        return str(parsed) or text
    return said


def given_name(name: str) -> str:
    """The first name alone, for a staff member introducing themselves ("I'm Dana")."""
    from nameparser import HumanName

    text = " ".join(name.split())
    first = HumanName(text).first.strip() if text else ""
    return first if first and not _INITIAL.match(first) else text


def contact_key(contact: str, region: str | None = None) -> str:
    """E.164 for phone numbers, lower case for e-mail, upper case without spaces or dashes for references."""
    text = " ".join(contact.split())
    if not text:
        return ""
    if "@" in text:
        return text.casefold()
    if _PHONE_CHARS.match(text):
        import phonenumbers

        try:
            number = phonenumbers.parse(text, region or phone_region())
            if phonenumbers.is_possible_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
    return re.sub(r"[\s\-_/.]", "", text).upper()


def name_key(name: str) -> str:
    """Case, accents, spacing and punctuation do not make a different person: 'Mrs. Amara  Obi' is 'mrs amara obi'.

    Changing this rule needs the stored keys recomputed: `recover store migrate` does it (BaseStore.rekey_names).
    """
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())


_WORD = re.compile(r"\w+")
_SEP = r"[\s\-_/.()]*"
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "mister"}
_TITLE_GAP = re.compile(r"\.?\s+")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def fold(word: str) -> str:
    """A word as names are compared: case and accents ignored (as name_key does for a whole name)."""
    if word.isascii():
        return word.casefold()  # the same result, without the Unicode normalisation most words never need
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def words(text: str) -> set[str]:
    """The folded words of a text: what `Mentions` compares a name with, part by part."""
    return {fold(w) for w in _WORD.findall(text)}


def may_name(text: str, name: str) -> bool:
    """Whether free text could quote this customer by name: it shares a word with it (`Mentions` decides)."""
    return bool(name) and not words(text).isdisjoint(words(name))


def may_hold_contact(text: str) -> bool:
    """Whether free text could quote a contact (a phone number or an address has a digit or an @)."""
    return any(c.isdigit() or c == "@" for c in text)


def identifies(contact: str) -> bool:
    """Whether a contact names one person wherever it is written: an e-mail address or a phone number. A room
    number or a short reference ("412") is also other customers' text, so it never stands for the customer there."""
    text = " ".join(contact.split())
    return bool(_EMAIL.fullmatch(text)) or contact_key(text).startswith("+")


class Mentions:
    """Where a text quotes a customer, as whole words: by their contact, by their full name, or (parts=True) by any
    part of their name of two letters or more. The one rule erasure and the report share (the report with
    cased=True: its root causes are staff's words, where "power" in "power cut" is no customer Lee Power).

    identifying=True is for text about someone else (another customer's case, an alert): only what picks out this
    customer counts there, a full name of two words or more and a contact that `identifies` them; never "Sam"
    alone or a room number."""

    def __init__(
        self,
        names: list[str],
        contacts: list[str],
        parts: bool = True,
        identifying: bool = False,
        cased: bool = False,
        titled: bool = False,
        references: list[str] | None = None,
    ) -> None:
        if identifying:
            names = [n for n in names if len(_WORD.findall(n)) >= 2]
            contacts = [c for c in contacts if identifies(c)]
        self.names, self.contacts = names, contacts  # as written, for a search to narrow by
        self.cased = cased  # a lone part of a name counts only written as a name ("Power", not "power cut")
        self.full = [words for words in ([fold(w) for w in _WORD.findall(n)] for n in names) if words]
        self.parts = {w for words in self.full for w in words if len(w) >= 2} if parts else set()
        patterns: list[str] = []
        for contact in (" ".join(c.split()) for c in contacts):
            if not contact:
                continue
            if "@" in contact:
                patterns.append(r"(?<![\w.+\-])" + re.escape(contact) + r"(?!\.?[\w\-])")  # the address, whole
                continue
            key = contact_key(contact)
            forms = {key}
            if key.startswith("+"):
                import phonenumbers

                try:
                    forms.add(str(phonenumbers.parse(key).national_number))  # written without the country code
                except phonenumbers.NumberParseException:
                    pass
            for form in forms:
                chars = [c for c in form if c.isalnum()]
                if len(chars) >= 3:
                    patterns.append(r"(?<!\w)[+(]{0,2}" + _SEP.join(re.escape(c) for c in chars) + r"(?!\w)")
        self.contact = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None
        # titled: a title or the first initial before the surname ("Ms. Four", "D. Four" for Di Four), and references
        # (a booking "BK4"): in a crisis's own logs, where every name is one of the crisis's customers, these pick one
        # out too. Read word by word as full names are, so a list of 200,000 is no regular expression.
        self.initials: dict[str, set[str]] = {}  # folded surname -> the first initials it goes with
        if titled:
            for words in self.full:
                if len(words) >= 2 and len(words[-1]) >= 2:
                    self.initials.setdefault(words[-1], set()).add(words[0][0])
        refs = [rf"(?<![\w-]){re.escape(r.strip())}(?![\w-])" for r in references or [] if len(r.strip()) >= 3]
        self.references = re.compile("|".join(refs), re.IGNORECASE) if refs else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        if self.contact is not None:
            found += [m.span() for m in self.contact.finditer(text)]
        if self.references is not None:
            found += [m.span() for m in self.references.finditer(text)]
        words = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
        for i, (start, end, word) in enumerate(words):
            if word in self.parts and (not self.cased or text[start].isupper()):
                found.append((start, end))
            if self.initials and i + 1 < len(words) and _TITLE_GAP.fullmatch(text, end, words[i + 1][0]):
                initials = self.initials.get(words[i + 1][2], set())
                if initials and (word in _TITLES or word in initials):  # "Ms. Four", "D. Four"
                    found.append((start, words[i + 1][1]))
            for name in self.full:
                if [w for _, _, w in words[i : i + len(name)]] == name:
                    found.append((start, words[i + len(name) - 1][1]))
        return sorted(found)

    def __call__(self, text: str) -> bool:
        return bool(self.spans(text))

    def redact(self, text: str, mark: str) -> str:
        """The text with every mention replaced by `mark`."""
        out, at = [], 0
        for start, end in self.spans(text):
            if start >= at:
                out += [text[at:start], mark]
                at = end
            elif end > at:
                at = end
        return "".join(out) + text[at:]
