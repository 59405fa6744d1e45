"""Reading a list of affected customers: CSV as spreadsheets and booking systems write it, or XLSX.

Column names are matched leniently and the mapping is reported; every bad row is reported with its row
number (the header is row 1, as in a spreadsheet), and a list with any bad row loads nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recoverycli.errors import RecoverError, UsageError
from recoverycli.playbooks.schema import SEGMENTS, Segment
from recoverycli.safety import CONTROL

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELL = 1000
DELIMITERS = (",", ";", "\t", "|")

# field -> header names that mean it, compared after folding case, punctuation and spacing
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "full name",
        "customer",
        "customer name",
        "client",
        "client name",
        "guest",
        "guest name",
        "passenger",
        "passenger name",
        "pax",
        "pax name",
        "traveller",
        "traveler",
        "traveller name",
        "traveler name",
        "contact name",
        "lead name",
        "lead passenger",
        "person",
        "nom",
        "nombre",
        "nom complet",
        "voyageur",
        "passager",
        "pasajero",
        "kunde",
        "gast",
        "reisender",
    ),
    "first_name": ("first name", "firstname", "given name", "forename", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "phone": (
        "phone",
        "phone number",
        "telephone",
        "telephone number",
        "tel",
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "cellphone",
        "gsm",
        "handy",
        "whatsapp",
        "sms",
        "phone no",
        "telephone portable",
        "portable",
        "telefono",
        "movil",
        "telefon",
        "mobil",
    ),
    "email": ("email", "e mail", "email address", "e mail address", "mail", "courriel"),
    "contact": ("contact", "contact details", "contact info", "reach at", "how to reach"),
    "booking": (
        "booking",
        "booking ref",
        "booking reference",
        "booking number",
        "booking no",
        "booking id",
        "reference",
        "ref",
        "reservation",
        "reservation number",
        "reservation id",
        "confirmation",
        "confirmation number",
        "confirmation code",
        "pnr",
        "record locator",
        "locator",
        "voucher",
        "order",
        "order number",
        "file number",
        "dossier",
        "reserva",
        "buchung",
        "buchungsnummer",
    ),
    "segment": (
        "segment",
        "type",
        "customer type",
        "guest type",
        "traveller type",
        "traveler type",
        "category",
        "party type",
        "profile",
    ),
    "chased": (
        "chased",
        "chased us",
        "called us",
        "called in",
        "contacted us",
        "already called",
        "complained",
        "has called",
    ),
}
LABELS = {
    "name": "name",
    "phone": "contact",
    "email": "contact",
    "contact": "contact",
    "booking": "booking",
    "segment": "segment",
    "chased": "chased us",
    "first_name": "name",
    "last_name": "name",
}
SEGMENT_WORDS: dict[Segment, tuple[str, ...]] = {
    "family": ("family", "families", "family with children", "children", "kids", "child", "with children"),
    "business": ("business", "corporate", "work", "business traveller", "business traveler"),
    "couple": ("couple", "couples", "honeymoon", "honeymooners"),
    "group": ("group", "groups", "tour group", "party"),
    "vip": ("vip", "v i p", "vvip"),
    "other": ("other", "individual", "single", "solo", "none", "n a", "-"),
}
NO = {"", "no", "n", "false", "0", "-", "none", "nein", "non"}
RANKS = {"vip": 0, "family": 1}
CHASED_RANK, DEFAULT_RANK = 2, 3
_PHONE = re.compile(r"^\+?[\d\s().\-/]{7,}$")  # as identity.contact_key reads a phone number
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def fold(header: str) -> str:
    """Case, accents, punctuation and spacing ignored: 'Téléphone', 'E-Mail' and 'booking_ref' match."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", header.casefold()) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).replace("_", " ").split())


@dataclass
class Mapping:
    """Which columns feed which field; every other column is kept as a note."""

    columns: dict[str, list[int]] = field(default_factory=dict)  # field -> column indexes, best first
    headers: list[str] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)

    def describe(self) -> list[tuple[str, list[str]]]:
        """(what, [column names]) in a fixed order, for the clerk to check."""
        out: dict[str, list[str]] = {}
        for fld in ("name", "first_name", "last_name", "phone", "contact", "email", "booking", "segment", "chased"):
            for i in self.columns.get(fld, []):
                out.setdefault(LABELS[fld], []).append(self.headers[i])
        if self.notes:
            out["notes"] = [self.headers[i] for i in self.notes]
        return list(out.items())


@dataclass
class Problem:
    row: int
    message: str


@dataclass
class ReadList:
    path: str
    mapping: Mapping
    customers: list[dict[str, Any]]
    rows: list[int]  # the file row of each customer
    problems: list[Problem]
    how: str  # what was read: encoding and delimiter, for the clerk


def map_columns(headers: list[str]) -> Mapping:
    """Each header to one field: exact names first, then a header that starts with a known name."""
    m = Mapping(headers=headers)
    taken: set[int] = set()
    folded = [fold(h) for h in headers]
    for exact in (True, False):
        for fld, names in SYNONYMS.items():
            for i, h in enumerate(folded):
                if i in taken or not h:
                    continue
                if h in names if exact else any(h.startswith(n + " ") for n in names if len(n) > 2):
                    m.columns.setdefault(fld, []).append(i)
                    taken.add(i)
    m.notes = [i for i, h in enumerate(headers) if i not in taken and h.strip()]
    return m


def read_customers(path: Path, region: str | None = None) -> ReadList:
    """Every row checked; the caller loads `customers` only if `problems` is empty."""
    region = _region(region)
    rows, how = _rows(path)
    try:
        header = next(rows)
    except StopIteration:
        raise RecoverError(
            f"{path}: the file is empty — the first row must name the columns (name, phone, …)"
        ) from None
    headers = [_clean(str(h or ""))[:200] for h in header[1]]
    mapping = map_columns(headers)
    need = []
    if not (mapping.columns.get("name") or mapping.columns.get("first_name") or mapping.columns.get("last_name")):
        need.append("the customer's name (a column called name, customer, guest, passenger …)")
    if not (mapping.columns.get("phone") or mapping.columns.get("email") or mapping.columns.get("contact")):
        need.append("how to reach them (a column called phone, mobile, e-mail or contact)")
    if need:
        named = [str(h)[:40] for h in headers if h]
        shown = ", ".join(named[:12]) + (f" and {len(named) - 12:,} more" if len(named) > 12 else "")
        raise RecoverError(
            f"{path}: row 1: no column for {' or '.join(need)} — the columns are: {shown or '(none)'}; rename one and"
            " try again"
        )
    out = ReadList(str(path), mapping, [], [], [], how)
    seen: dict[str, tuple[int, str]] = {}
    for number, cells in rows:
        if number > MAX_ROWS + 1:
            raise RecoverError(
                f"{path}: over {MAX_ROWS:,} customers — split the list and add the rest with `recover crisis add`"
            )
        if not any(str(c or "").strip() for c in cells):
            continue  # a blank line is not a customer
        if len(cells) > len(headers) and any(str(c or "").strip() for c in cells[len(headers) :]):
            out.problems.append(
                Problem(
                    number,
                    f"{len(cells)} cells but the header has {len(headers)} — a "
                    f"delimiter inside a cell that is not quoted?",
                )
            )
            continue
        try:
            customer = _customer(cells, mapping, region)
        except ValueError as e:
            out.problems.append(Problem(number, str(e)))
            continue
        clash = next(((k, seen[k]) for k in (customer["contact_key"], customer["alt_key"]) if k and k in seen), None)
        if clash is not None:
            key, (other, who) = clash
            out.problems.append(
                Problem(
                    number,
                    f"duplicate contact {key} (also row {other}, {who}) — one call reaches "
                    f"them both: merge the rows or remove one",
                )
            )
            continue
        for k in (customer["contact_key"], customer["alt_key"]):
            if k:
                seen[k] = (number, customer["name"])
        out.customers.append(customer)
        out.rows.append(number)
    return out


def _customer(cells: list[Any], m: Mapping, region: str | None) -> dict[str, Any]:
    from recoverycli.identity import contact_key, name_key

    def cell(i: int) -> str:
        return _clean(str(cells[i]) if i < len(cells) and cells[i] is not None else "")

    def first(fld: str) -> str:
        return next((v for v in (cell(i) for i in m.columns.get(fld, [])) if v), "")

    name = first("name") or " ".join(v for v in (first("first_name"), first("last_name")) if v)
    problems = []
    if not name:
        problems.append("no name — add the customer's name")
    elif len(name) > 200:
        problems.append(f"the name is {len(name)} characters, over 200 — shorten it")
    contacts: list[tuple[str, str]] = []
    given = False
    for fld in ("phone", "contact", "email"):
        for i in m.columns.get(fld, []):
            value = cell(i)
            if not value:
                continue
            given = True
            try:
                contacts.append(_contact(value, fld, region))
            except ValueError as e:
                problems.append(str(e))
    by_key: dict[str, str] = {}
    for display, key in contacts:  # the same number in two columns is one contact
        by_key.setdefault(key, display)
    if not given:
        problems.append("no contact — add a phone number or an e-mail address")
    booking = first("booking")
    if len(booking) > 100:
        problems.append(f"the booking reference is {len(booking)} characters, over 100 — check that column")
    segment = _segment(first("segment"))
    if segment is None:
        problems.append(f"segment '{first('segment')}' is not one of {', '.join(SEGMENTS)} — use one of those")
    if problems:
        raise ValueError("; ".join(problems))
    chased = 0 if fold(first("chased")) in NO else 1
    keys, shown = list(by_key), list(by_key.values())
    rank = RANKS.get(segment or "", CHASED_RANK if chased else DEFAULT_RANK)
    notes: dict[str, str] = {}
    for i in m.notes:
        if cell(i):
            key = m.headers[i] if m.headers[i] not in notes else f"{m.headers[i]} ({i + 1})"  # two columns, one name
            notes[key] = _capped(cell(i))
    for fld in ("name", "booking", "segment", "chased"):
        for i in m.columns.get(fld, [])[1:]:  # a second column of the same kind is kept, not lost
            if cell(i):
                notes[m.headers[i]] = _capped(cell(i))
    if len(shown) > 2:
        notes["other contacts"] = ", ".join(shown[2:])
    return {
        "name": name,
        "contact": shown[0],
        "alt_contact": shown[1] if len(shown) > 1 else "",
        "booking": booking,
        "segment": segment,
        "chased": chased,
        "notes": notes,
        "contact_key": keys[0],
        "alt_key": keys[1] if len(keys) > 1 else "",
        "booking_key": contact_key(booking) if booking else "",
        "name_key": name_key(name),
        "rank": rank,
        "priority": rank,
    }


def _contact(value: str, fld: str, region: str | None) -> tuple[str, str]:
    """A phone number or e-mail address as written (tidied) and its key (identity.contact_key's, parsed once),
    or ValueError saying what is wrong with it."""
    if "@" in value:
        if not _EMAIL.match(value) or len(value) > 254:
            raise ValueError(f"unparsable e-mail address '{value}' — write it as name@example.com")
        return value, value.casefold()
    if fld == "email":
        raise ValueError(f"unparsable e-mail address '{value}' — write it as name@example.com")
    if _PHONE.match(value):
        import phonenumbers

        from recoverycli.identity import phone_region

        try:
            number = phonenumbers.parse(value, (region or phone_region()).upper())
            if phonenumbers.is_possible_number(number):
                return value, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
        raise ValueError(f"unparsable phone '{value}' — write it with its country code, e.g. +44 20 7946 0000")
    if fld == "phone":
        raise ValueError(f"unparsable phone '{value}' — write it with its country code, e.g. +44 20 7946 0000")
    raise ValueError(f"contact '{value}' is neither a phone number nor an e-mail address — give one of those")


def _segment(value: str) -> str | None:
    key = fold(value)
    if not key:
        return "other"
    return next((seg for seg, words in SEGMENT_WORDS.items() if key in words), None)


def _clean(text: str) -> str:
    """One line, no control characters; any other Unicode kept as written."""
    return " ".join(CONTROL.sub(" ", text).split())


def _capped(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _region(given: str | None) -> str:
    """The region for numbers without +code, refused when phonenumbers does not know it: an unknown one (XX, GBR)
    would make every national number in the list "unparsable" with nothing saying why."""
    import phonenumbers

    from recoverycli.identity import phone_region

    region = (given or phone_region()).strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        shown = region if len(region) <= 10 and region.isalnum() else "…"
        raise UsageError(
            f"phone region '{shown}' (--phone-region or RECOVER_PHONE_REGION) is not a two-letter country code — "
            "use one such as US, GB or DE"
        )
    return str(region)


# --- files -----------------------------------------------------------------------------------
def _rows(path: Path) -> tuple[Iterator[tuple[int, list[Any]]], str]:
    """(row number, cells) for every record, and a note of how the file was read."""
    from recoverycli.files import read_limited

    # a regular file only, never past the limit: a FIFO would wait forever, /dev/zero would fill the memory
    data = read_limited(path, MAX_BYTES, "customer list")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path), "Excel workbook, first sheet"
    if suffix in (".xls", ".ods", ".numbers"):
        raise RecoverError(
            f"{path}: {suffix} files cannot be read — save the sheet as CSV UTF-8 (or .xlsx) and try again"
        )
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(path), "Excel workbook, first sheet"
    text, encoding = _decode(data, path)
    if "\x00" in text:
        raise RecoverError(f"{path}: the file holds NUL bytes, so it is not a text list — save it as CSV UTF-8")
    delimiter = _delimiter(text)
    name = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}[delimiter]
    return _csv_rows(text, delimiter, path), f"{encoding} text separated by {name}"


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (not UTF-8)"
    except UnicodeDecodeError:
        raise RecoverError(f"{path}: not UTF-8 text — save it as CSV UTF-8 and try again") from None


def _delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns (semicolons where Excel uses decimal commas)."""
    head = text.lstrip("\ufeff").split("\n", 1)[0]
    best, most = ",", 1
    for d in DELIMITERS:
        try:
            n = len(next(csv.reader([head], delimiter=d)))
        except (csv.Error, StopIteration):
            continue
        if n > most:
            best, most = d, n
    return best


def _csv_rows(text: str, delimiter: str, path: Path) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if "field larger than field limit" in str(e):  # 128 KB in one cell: no customer list holds that
                raise RecoverError(
                    f"{path}: row {number + 1}: a cell holds over {csv.field_size_limit() // 1024} KB of text — a"
                    " customer list's cells are a name, a number, a note; remove what was pasted into that row"
                ) from None
            raise RecoverError(
                f"{path}: row {number + 1}: the file is not valid CSV ({e}) — check the quotes on that row"
            ) from None
        number += 1
        yield number, cells


MAX_UNPACKED = 200 * 1024 * 1024  # an .xlsx is a zip: 1 MB on disk can unpack to gigabytes


def _unpacks_within(path: Path) -> None:
    """Refuse a workbook whose parts unpack beyond MAX_UNPACKED before anything reads them (a 1.1 MB sheet holding
    one 1.2 GB cell took every byte of memory): the sizes a zip declares are what its reader will inflate."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            size = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl says it is not a readable workbook
    if size > MAX_UNPACKED:
        raise RecoverError(
            f"{path}: this workbook unpacks to {size / 2**20:,.0f} MB, more than a customer list needs "
            f"({MAX_UNPACKED // 2**20} MB) — save the sheet as CSV UTF-8 and load that"
        )


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        import openpyxl
    except ImportError:
        raise RecoverError(
            f"{path}: reading Excel files needs openpyxl — pip install 'recoverycli[xlsx]', or save "
            f"the sheet as CSV UTF-8"
        ) from None
    _unpacks_within(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or foreign file
        raise RecoverError(
            f"{path}: not a readable Excel workbook — open it in a spreadsheet and save it again as .xlsx or CSV UTF-8"
        ) from None
    sheet = book.worksheets[0]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row or 1):
                yield number, [_xlsx_cell(v) for v in values]
        finally:
            book.close()

    return rows()


def _xlsx_cell(value: Any) -> Any:
    """A number typed into a phone column comes back as 4155550199.0; show it as the digits it was."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
