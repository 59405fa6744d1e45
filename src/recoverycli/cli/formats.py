"""Every choice of output format on the command line, in one place: `--format` for people (table) or scripts."""

from __future__ import annotations

from enum import Enum


class Format(str, Enum):
    """show, playbook list, coach check/test, crisis board: a table for people, JSON for scripts."""

    table = "table"
    json = "json"


class ListFormat(str, Enum):
    """list: also CSV with the export's columns."""

    table = "table"
    json = "json"
    csv = "csv"


class ExportFormat(str, Enum):
    """export: data only (caselog.export.FORMATS)."""

    csv = "csv"
    jsonl = "jsonl"
    json = "json"


class ReportFormat(str, Enum):
    """report: also a page to share."""

    table = "table"
    json = "json"
    html = "html"


class ShowFormat(str, Enum):
    """playbook show: also the merged playbook as YAML."""

    table = "table"
    yaml = "yaml"
    json = "json"


class UpdateFormat(str, Enum):
    """crisis update: rows for a mail merge."""

    csv = "csv"
    jsonl = "jsonl"


class Zone(str, Enum):
    """export --tz: timestamps in UTC or in this machine's local time."""

    utc = "utc"
    local = "local"
