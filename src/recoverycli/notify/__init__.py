"""Paging the duty manager through Apprise: which channels get which kind, what a message says, and sending each
notice once.

Apprise is imported only when something is sent. A channel's URL holds its secrets: it is never printed, stored or
logged; people see a label (`#2 mailtos://mail.example.org`), and any text that comes back from a send is stripped of
every secret the URL holds, found by parsing that URL.

A notice is claimed before it is sent and settled after, as `notify` events in the subject's log (a case's events)
appended inside a transaction that locks the subject: two processes deciding at once take turns, so each notice goes
to each channel once.
"""

from recoverycli.notify.causes import (
    Pager,
    after_save,
    case_saved,
    reopener,
    settings_for_call,
    sweep,
)
from recoverycli.notify.claims import Claim, Ledger, Sent, case_ledger, crisis_ledger, pending, send
from recoverycli.notify.crisis import Pace, crisis_behind, crisis_opened, crisis_pace
from recoverycli.notify.delivery import Outcome, deliver, summary
from recoverycli.notify.messages import (
    Message,
    case_lines,
    digest_message,
    emergency_message,
    overdue_batch_message,
    overdue_message,
    test_message,
)
from recoverycli.notify.redaction import redact, safe_label, url_secrets
from recoverycli.notify.settings import KINDS, Channel, NotifyConfigError, Settings, load_settings

__all__ = [
    "KINDS",
    "Channel",
    "Claim",
    "Ledger",
    "Message",
    "NotifyConfigError",
    "Outcome",
    "Pace",
    "Pager",
    "Sent",
    "Settings",
    "after_save",
    "case_lines",
    "case_ledger",
    "case_saved",
    "crisis_behind",
    "crisis_ledger",
    "crisis_opened",
    "crisis_pace",
    "deliver",
    "digest_message",
    "emergency_message",
    "load_settings",
    "overdue_batch_message",
    "overdue_message",
    "pending",
    "redact",
    "reopener",
    "safe_label",
    "send",
    "settings_for_call",
    "summary",
    "sweep",
    "test_message",
    "url_secrets",
]
