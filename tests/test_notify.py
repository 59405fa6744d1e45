"""Paging the duty manager: real receivers on loopback (an HTTP endpoint, an SMTP server), the real `recover` binary."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from recoverycli import notify
from recoverycli.caselog.record import Event
from recoverycli.notify import Channel, Ledger, load_settings, redact, safe_label
from recoverycli.store import open_store
from tests.helpers import EXAMPLES, make_case
from tests.receivers import ENCODED, LEAKS, PASSWORD, HttpReceiver, SmtpReceiver, free_port

RECOVER = Path(sys.executable).with_name("recover")
OTHER = (EXAMPLES / "other.answers.yaml").read_text()
REPEAT = OTHER.replace("answers:\n", "answers:\n  escalated_to: Duty manager Lena, alerted 10:05\n")
WORDS = ("My card was charged twice", "second hotel this year")  # the customer's own words in the example
pytestmark = [
    pytest.mark.skipif(not RECOVER.exists(), reason="recover is not installed next to this Python"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning"),  # loopback only
    pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning"),  # inside Apprise
]


def recover(*args: str, env: dict[str, str] | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RECOVER), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=check,
        timeout=60,
    )


def answers_file(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def first_then_repeat(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    """The example customer's first case, then their second: an emergency. Returns the second run and when it ended."""
    first = recover("start", "other", "--answers", str(answers_file(tmp_path, OTHER, "first.yaml")), env=env)
    assert first.returncode == 0, first.stderr
    second = recover("start", "other", "--answers", str(answers_file(tmp_path, REPEAT, "again.yaml")), env=env)
    return second, time.monotonic()


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # aiosmtpd warns that AUTH without TLS is unsafe: it is loopback only
        receiver = SmtpReceiver()
    yield receiver
    receiver.stop()


def notify_events(store_url: str, case_id: str) -> list[dict[str, Any]]:
    return [e.data for e in open_store(store_url).get(case_id).events if e.kind == "notify"]


# --- settings -----------------------------------------------------------------------------------------------------
def test_env_pairs_and_a_bare_url_make_channels_per_kind(tmp_path: Path) -> None:
    env = {
        "RECOVER_NOTIFY": "emergency=json://a.example.org/x overdue,digest=ntfys://ntfy.sh/desk "
        "mailtos://u:pw@mail.example.org?to=dm@example.org include=name timeout=2 retry=5"
    }
    s = load_settings(env, tmp_path / "none.toml")
    assert [(c.number, sorted(c.kinds)) for c in s.channels] == [
        (1, ["emergency"]),
        (2, ["digest", "overdue"]),
        (3, sorted(notify.KINDS)),
    ]
    assert [c.label for c in s.for_kind("emergency")] == ["#1 json://a.example.org", "#3 mailtos://mail.example.org"]
    assert s.include_name and s.timeout == 2 and s.retry == 5


def test_config_file_and_env_combine_and_the_file_is_kept_private(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    cfg.mkdir(mode=0o755)
    path = cfg / "config.toml"
    path.write_text(
        'staff = "Dana"\n[notify]\nemergency = ["json://a.example.org/x", "json://b.example.org/y"]\n'
        'all = "json://c.example.org/z"\ninclude = ["name"]\ncrisis_pace = 25\n'
    )
    path.chmod(0o644)
    s = load_settings({"RECOVER_NOTIFY": "emergency=json://c.example.org/z overdue=json://d.example.org/w"}, path)
    assert [(c.label, c.source) for c in s.channels] == [
        ("#1 json://a.example.org", "config file"),
        ("#2 json://b.example.org", "config file"),
        ("#3 json://c.example.org", "config file"),
        ("#4 json://d.example.org", "RECOVER_NOTIFY"),
    ]
    assert s.include_name and s.crisis_pace == 25 and len(s.for_kind("emergency")) == 3
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(cfg.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "env, toml, says",
    [
        (f"emergncy=json://u:{ENCODED}@h.example.org/x", None, "RECOVER_NOTIFY item 1: unknown kind `emergncy`"),
        (f"emergency=u:{ENCODED}@h.example.org", None, "RECOVER_NOTIFY item 1: not a URL"),
        ("include=contact", None, "cannot include `contact` — only `name`"),
        ("timeout=soon", None, "`timeout` must be a number of seconds"),
        (None, f"[notify]\nemergency = json://u:{ENCODED}@h\n", "not valid TOML"),
        (None, f'[notify]\nemergancy = "json://u:{ENCODED}@h.example.org"\n', "unknown key `emergancy`"),
        (None, "[notify]\nemergency = 3\n", "`emergency` must be a URL in quotes or a list of them"),
        (None, 'notify = "json://x"\n', "`notify` must be a table"),
    ],
)
def test_bad_settings_are_one_line_that_never_quotes_a_url(
    tmp_path: Path, env: str | None, toml: str | None, says: str
) -> None:
    path = tmp_path / "config.toml"
    if toml:
        path.write_text(toml)
    with pytest.raises(notify.NotifyConfigError) as err:
        load_settings({"RECOVER_NOTIFY": env} if env else {}, path)
    assert says in err.value.message and "\n" not in err.value.message
    assert not any(leak in err.value.message for leak in LEAKS) and "h.example.org" not in err.value.message


def test_remembering_the_staff_name_keeps_the_notify_table_private(isolated_home: Path) -> None:
    from recoverycli.config import config_file, read_config, remember

    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        f'# the duty desk\nrepeat_days = 14\n\n[notify]\nemergency = "json://u:{ENCODED}@h.example.org/x"\n'
    )
    old = os.umask(0)
    try:
        remember("staff", "Dana Reyes")
        remember("staff", "Lee Park")
    finally:
        os.umask(old)
    assert read_config() == {
        "repeat_days": 14,
        "staff": "Lee Park",
        "notify": {"emergency": f"json://u:{ENCODED}@h.example.org/x"},
    }
    assert path.read_text().startswith("# the duty desk\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- secrets ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, label",
    [
        (f"mailtos://duty:{ENCODED}@mail.example.org?to=dm@example.org", "mailtos://mail.example.org"),
        (f"mailtos://duty:{PASSWORD}@mail.example.org", "mailtos://…"),  # unencoded: the host part is in doubt
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://…"),  # a token where a host would be
        ("tgram://123456789:AAHdefGHIjkl/12345", "tgram://…"),
        ("json://hooks.example.org/T0123/s3cr3t", "json://hooks.example.org"),
        ("ntfys://u:pw@[::1]/topic", "ntfys://::1"),
    ],
)
def test_a_channel_is_shown_as_its_scheme_and_a_plain_host_only(url: str, label: str) -> None:
    assert safe_label(url) == label


@hyp_settings(max_examples=300, deadline=None)
@given(password=st.text(alphabet="@#/?:%&=+ ;abcXYZ019._~-", min_size=3, max_size=20).filter(lambda p: p.strip() == p))
def test_no_password_survives_redaction_or_the_label(password: str) -> None:
    assume(password not in "mailtos://mail.example.org json://127.0.0.1")  # found in any label, secret or not
    for url in (
        f"mailtos://duty:{quote(password, safe='')}@mail.example.org/?to=dm@example.org",
        f"mailtos://duty:{password}@mail.example.org",
        f"json://{quote(password, safe='')}@127.0.0.1:9/hook",
    ):
        label = safe_label(url)
        assert password not in label and quote(password, safe="") not in label
        said = f"could not reach {url}: login {password!s} refused ({quote(password, safe='')})"
        cleaned = redact(said, notify.url_secrets(url))
        assert password not in cleaned and quote(password, safe="") not in cleaned


@pytest.mark.parametrize(
    "url, said",
    [
        ("json://duty:hunter2@mysecrettail@127.0.0.1:1/", "sending JSON notification to mysecrettail."),
        ("mailto://duty:hunter2@secret@example.org", 'error while submitting email to "secret"'),
        ("ntfys://duty:pw@secret-topic-x@ntfy.invalid/topic", "sending ntfy:https://secret-topic-x notification"),
    ],
)
def test_an_unencoded_at_in_a_password_is_refused_before_sending_and_its_tail_redacted(url: str, said: str) -> None:
    from recoverycli.notify.delivery import deliver
    from recoverycli.notify.messages import Message

    tail = url.split("@")[1]
    assert tail not in redact(said, notify.url_secrets(url))
    (got,) = deliver(
        Message(kind="emergency", key="RC-AAAAA", title="t", body="b"),
        [Channel(url=url, kinds=frozenset({"emergency"}), number=1, source="RECOVER_NOTIFY")],
    )
    assert not got.ok and got.reason == "the password holds an unencoded '@' — percent-encode it as %40"
    assert tail not in got.reason and "hunter2" not in got.reason


# --- messages -----------------------------------------------------------------------------------------------------
def test_a_message_carries_the_case_never_the_customers_words_contact_or_unasked_name() -> None:
    case = make_case(
        customer_words="The shower was cold, I am furious.",
        desired_outcome="A refund",
        commitment="I call Ana Souza at +1 555 0100 by 18:00 with the plumber's report",
        follow_up_date="2026-11-27",
        root_cause="Boiler",
    ).model_copy(update={"id": "RC-ABCDE", "complaint_number": 2, "severity": "emergency"})
    m = notify.emergency_message(case, include_name=False)
    text = m.title + "\n" + m.body
    for wanted in (
        "RC-ABCDE",
        "Playbook: other",
        "Severity: emergency (complaint number 2)",
        "Staff: Dana Reyes",
        "Promise: I call [customer] at [contact] by 18:00 with the plumber's report",
        "Follow-up: 2026-11-27",
    ):
        assert wanted in text
    for never in ("shower", "furious", "refund", "Boiler", "Ana", "Souza", "555"):
        assert never not in text
    named = notify.emergency_message(case, include_name=True).body
    assert "Customer: Ana Souza" in named and "I call Ana Souza" in named
    assert "shower" not in named and "Boiler" not in named


def test_the_name_is_held_back_however_the_clerk_spelled_it() -> None:
    """Hostile pass 4: 'Jose Nunez' for the customer José Núñez, or 'Mary' of Mary-Jane, reached the pager with
    the name off: it is matched as erasure matches it, accents and case ignored, part by part."""
    case = make_case(
        commitment="I move Jose Nunez and Mary to room 412 by 20:00 and call JOSÉ at 20:15 on 600-123-456",
        follow_up_date="2026-11-27",
    ).model_copy(update={"id": "RC-ABCDE", "complaint_number": 2, "severity": "emergency"})
    case = case.model_copy(
        update={
            "customer": case.customer.model_copy(update={"name": "José Mary-Jane Núñez", "contact": "+34 600 123 456"})
        }
    )
    body = notify.emergency_message(case, include_name=False).body
    assert (
        "Promise: I move [customer] and [customer] to room 412 by 20:00 and call [customer] at 20:15 on [contact]"
        in body
    )
    for never in ("Jose", "JOSÉ", "Nunez", "Mary", "600"):
        assert never not in body


def test_the_contact_is_masked_however_the_promise_writes_it() -> None:
    """F14: saved as (212) 555-0199, written in the promise as +12125550199, 2125550199 or 212.555.0199."""
    base = make_case(follow_up_date="2026-11-27").model_copy(
        update={"id": "RC-ABCDE", "complaint_number": 2, "severity": "emergency"}
    )
    base = base.model_copy(update={"customer": base.customer.model_copy(update={"contact": "(212) 555-0199"})})
    for written in ("(212) 555-0199", "+12125550199", "2125550199", "212.555.0199", "+1 212-555-0199"):
        case = base.model_copy(update={"answers": {**base.answers, "commitment": f"I call back on {written} by 17:00"}})
        for include_name in (False, True):
            body = notify.emergency_message(case, include_name=include_name).body
            assert "Promise: I call back on [contact] by 17:00" in body, (written, body)
        digest = notify.overdue_batch_message([case], date(2026, 11, 28), include_name=False).body
        assert "555" not in digest and "[contact]" in digest
    name = base.customer.name.split()[0].lower()
    mailed = base.model_copy(update={"answers": {**base.answers, "commitment": f"Mail {name}.q@example.com today"}})
    assert "Promise: Mail [contact] today" in notify.emergency_message(mailed, include_name=False).body


# --- claims -------------------------------------------------------------------------------------------------------
def channel(n: int, kinds: tuple[str, ...] = ("emergency",)) -> Channel:
    return Channel(url=f"json://127.0.0.1:{9000 + n}/hook", kinds=frozenset(kinds), number=n, source="test")


def test_a_notice_is_claimed_once_settled_and_retried_only_when_due(store_url: str) -> None:
    store = open_store(store_url)
    case_id = store.add(make_case()).id
    ledger = notify.case_ledger(store, case_id, "test")
    now = datetime.now(UTC)
    one, two = channel(1), channel(2)
    claim = ledger.claim("emergency", [one, two], now, retry=60)
    assert claim is not None and claim.attempt == 1
    assert ledger.claim("emergency", [one, two], now, retry=60) is None  # held by the first claimer
    assert ledger.claim("emergency", [one], now + timedelta(minutes=3), retry=60) is not None  # its sender died
    ledger.settle(claim, [notify.Outcome(one, True), notify.Outcome(two, False, "Connection refused")], now)
    assert ledger.claim("emergency", [one, two], now + timedelta(seconds=30), retry=60) is None  # retry not due
    again = ledger.claim("emergency", [one, two], now + timedelta(seconds=61), retry=60)
    assert again is not None and again.attempt == 2 and again.channels == (two,)  # channel 1 has it already
    ledger.settle(again, [notify.Outcome(two, True)], now)
    assert ledger.claim("emergency", [one, two], now + timedelta(hours=1), retry=60) is None
    assert ledger.claim("emergency", [one, two, channel(3)], now, retry=60).channels == (channel(3),)  # a new channel
    states = [d["state"] for d in notify_events(store_url, case_id)]
    assert states == ["claimed", "claimed", "failed", "claimed", "sent", "claimed"]


def test_desks_claiming_at_the_same_moment_get_one_claim(store_url: str) -> None:
    case_id = open_store(store_url).add(make_case()).id
    won: list[Any] = []
    start = threading.Barrier(6)

    def desk() -> None:
        store = open_store(store_url)  # a connection each, as separate processes have
        ledger = notify.case_ledger(store, case_id, "test")
        start.wait()
        for _ in range(5):
            claim = ledger.claim("emergency", [channel(1)], datetime.now(UTC), retry=60)
            if claim is not None:
                won.append(claim)
        store.close()

    threads = [threading.Thread(target=desk) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1


# --- the call pages -----------------------------------------------------------------------------------------------
def test_an_emergency_saved_by_answers_arrives_by_http_and_mail_within_5_s_without_the_customers_words(
    tmp_path: Path, store_url: str, http: HttpReceiver, smtp: SmtpReceiver
) -> None:
    env = {"RECOVER_NOTIFY": f"{http.url()} {smtp.url()}"}
    second, ended = first_then_repeat(tmp_path, env)
    assert second.returncode == 0, second.stderr
    case_id = second.stdout.strip()
    assert case_id.startswith("RC-") and "\n" not in case_id
    got_http = http.inbox.wait(1, timeout=max(0.1, 5 - (time.monotonic() - ended)))
    got_mail = smtp.inbox.wait(1, timeout=5)
    assert smtp.logins == [True] and got_mail[0]["to"] == ["duty-manager@example.org"]
    for m in (got_http[0], got_mail[0]):
        assert m["title"] == f"EMERGENCY {case_id}: complaint number 2 (other)"
        body = m["message"].replace("\r\n", "\n")
        for line in (
            f"Case: {case_id}",
            "Playbook: other",
            "Severity: emergency (complaint number 2)",
            "Staff: Dana Reyes",
            "Promise: I refund the duplicate charge now; accounts (Ben) confirms it reached the card by Thursday 12:00",
        ):
            assert line + "\n" in body
        assert not any(w in body for w in WORDS) and "Jo" not in body and "okafor" not in body.lower()
    assert got_http[0]["type"] == "failure" and got_http[0]["path"] == "/hook"
    assert len(http.inbox.messages) == 1  # the first case was no emergency: nothing was sent for it
    sent = notify_events(store_url, case_id)
    assert [d["state"] for d in sent] == ["claimed", "sent"]
    assert sent[1]["to"] == ["#1 json://127.0.0.1", "#2 mailto://127.0.0.1"]
    assert second.stderr.count("\n") == 1 and second.stderr.startswith("EMERGENCY: complaint number 2")


def test_the_customers_name_goes_out_only_when_included(tmp_path: Path, http: HttpReceiver) -> None:
    second, _ = first_then_repeat(tmp_path, {"RECOVER_NOTIFY": f"{http.url()} include=name"})
    assert second.returncode == 0
    body = http.inbox.wait(1)[0]["message"]
    assert "Customer: Jo Okafor" in body and "jo.okafor@example.com" not in body
    assert not any(w in body for w in WORDS)


def test_a_receiver_that_is_down_costs_the_call_nothing_and_watch_delivers_it_later(
    tmp_path: Path, store_url: str
) -> None:
    port = free_port()  # nothing listens here yet
    env = {"RECOVER_NOTIFY": f"emergency=json://duty:{ENCODED}@127.0.0.1:{port}/hook retry=0"}
    second, _ = first_then_repeat(tmp_path, env)
    assert second.returncode == 0
    case_id = second.stdout.strip()
    assert case_id.startswith("RC-") and "\n" not in case_id
    lines = second.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("EMERGENCY")
    assert lines[1].startswith(f"{case_id} is saved, but the page did not go through (#1 json://127.0.0.1: ")
    assert "`recover watch --notify` tries again" in lines[1]
    failed = notify_events(store_url, case_id)[-1]
    assert failed["state"] == "failed" and failed["done"] == [] and "#1 json://127.0.0.1" in failed["error"]
    assert open_store(store_url).get(case_id).status == "open"

    receiver = HttpReceiver(port)  # the service is back
    watch = subprocess.Popen(
        [str(RECOVER), "watch", "--notify", "--interval", "0.3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        got = receiver.inbox.wait(1, timeout=15)
        assert got[0]["title"] == f"EMERGENCY {case_id}: complaint number 2 (other)"
        time.sleep(1.5)  # more looks at the store: it is not sent again
    finally:
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=20)
        receiver.stop()
    assert len(receiver.inbox.messages) == 1
    assert f"{case_id}: emergency sent to #1 json://127.0.0.1" in out
    assert [d["state"] for d in notify_events(store_url, case_id)] == ["claimed", "failed", "claimed", "sent"]


def test_two_watch_processes_on_one_store_send_each_notice_once(
    tmp_path: Path, store_url: str, http: HttpReceiver
) -> None:
    store = open_store(store_url)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    now = datetime.now(UTC)
    emergencies = [
        store.add(
            make_case(commitment=f"Call back by {h}:00", follow_up_date="2099-01-01").model_copy(
                update={"complaint_number": 2, "severity": "emergency", "created_at": now, "updated_at": now}
            )
        ).id
        for h in (10, 11)
    ]
    overdue = [store.add(make_case(commitment=f"Refund {n}", follow_up_date=yesterday)).id for n in range(3)]
    env = {**os.environ, "RECOVER_NOTIFY": http.url("emergency,overdue")}
    watchers = [
        subprocess.Popen(
            [str(RECOVER), "watch", "--notify", "--interval", "0.2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        http.inbox.wait(5, timeout=20)
        time.sleep(3)  # both keep looking: nothing goes twice
    finally:
        for w in watchers:
            w.send_signal(signal.SIGINT)
        outs = [w.communicate(timeout=20)[0] for w in watchers]
    titles = [m["title"] for m in http.inbox.messages]
    assert len(titles) == 5, titles
    for case_id in emergencies + overdue:
        assert sum(case_id in t for t in titles) == 1, (case_id, titles)
        assert [d["state"] for d in notify_events(store_url, case_id)] == ["claimed", "sent"]
    assert sum(o.count(" sent to ") for o in outs) == 5  # shared between the two, whichever claimed first


def test_many_follow_ups_falling_overdue_at_once_go_out_as_one_message(store_url: str, http: HttpReceiver) -> None:
    store = open_store(store_url)
    yesterday = date.today() - timedelta(days=1)
    ids = [store.add(make_case(commitment=f"Refund {n}", follow_up_date=yesterday.isoformat())).id for n in range(5)]
    store.add(make_case(commitment="Too old", follow_up_date=(date.today() - timedelta(days=30)).isoformat()))
    s = load_settings({"RECOVER_NOTIFY": http.url("overdue")})
    sent = notify.sweep(store, s, date.today())
    assert len(sent) == 1 and sent[0].ok
    message = http.inbox.wait(1)[0]
    assert message["title"] == "5 follow-ups overdue" and all(i in message["message"] for i in ids)
    assert "Too old" not in message["message"]  # 30 days overdue: that one is for the digest
    assert notify.sweep(store, s, date.today()) == []


# --- a live call --------------------------------------------------------------------------------------------------
def test_a_live_call_pages_the_moment_the_repeat_is_identified_and_once(tmp_path: Path, http: HttpReceiver) -> None:
    import re

    from tests.e2e.term import ENTER, Term, answer_steps

    env = {"RECOVER_NOTIFY": http.url(), "RECOVER_STAFF": "Dana Reyes"}
    first = answers_file(tmp_path, OTHER, "first.yaml")
    assert recover("start", "other", "--answers", str(first), env=env).returncode == 0
    term = Term("start", "other", env=env, size=(140, 50))
    term.answer("Customer's name?", "Jo Okafor" + ENTER)
    term.answer("Phone, email or booking reference?", "JO.OKAFOR@example.com" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.wait_for("EMERGENCY")
    term.wait_for("who did you alert, and when?")
    paged = http.inbox.wait(1)[0]  # the customer is still on the line
    assert "on the phone now" in paged["message"] and "Promise: (the call is in progress)" in paged["message"]
    term.send("Paged by recover" + ENTER)
    answer_steps(term, "Charged twice again!", "A refund today", "Jo, I'm so sorry.", "I refund it by 17:00 today")
    term.send(ENTER)
    term.wait_for("Duty manager paged (#1 json://127.0.0.1)")
    assert term.exit_status() == 0
    saved = re.search(r"Saved case (RC-[0-9A-Z]{5})", term.text())
    assert saved, term.text()
    case_id = saved.group(1)
    assert paged["title"] == f"EMERGENCY {case_id}: complaint number 2 (other)"
    assert len(http.inbox.messages) == 1 and "Charged twice" not in json.dumps(http.inbox.messages)


def test_a_live_call_at_80_by_24_with_the_service_down_ends_saved_with_one_yellow_line(
    tmp_path: Path, store_url: str
) -> None:
    import re

    from tests.e2e.term import ENTER, Term, answer_steps

    port = free_port()
    env = {"RECOVER_STAFF": "Dana Reyes", "RECOVER_NOTIFY": f"emergency=json://duty:{ENCODED}@127.0.0.1:{port}/hook"}
    first = answers_file(tmp_path, OTHER, "first.yaml")
    assert recover("start", "other", "--answers", str(first), env=env).returncode == 0
    term = Term("start", "other", env=env, size=(80, 24))
    term.answer("Customer's name?", "Jo Okafor" + ENTER)
    term.answer("Phone, email or booking reference?", "jo.okafor@example.com" + ENTER)
    term.answer("Who is the customer?", ENTER)
    term.answer("who did you alert, and when?", "Lena, by phone" + ENTER)
    answer_steps(term, "Charged twice again!", "A refund today", "Jo, I'm so sorry.", "I refund it by 17:00 today")
    term.send(ENTER)
    assert term.exit_status() == 0
    saved = re.search(r"Saved case (RC-[0-9A-Z]{5})", term.text())
    assert saved, term.text()
    case_id = saved.group(1)
    tail = term.flat()  # the screen once the call screen has closed: what the clerk is left with
    tail = tail[tail.index(f"Saved case {case_id}") :]
    assert re.search(rf"{case_id} is saved, but the page did not go through \(#1 json://127\.0\.0\.1: ", tail), tail
    assert tail.count("did not go through") == 1 and "Duty manager paged" not in tail
    assert not any(leak in term.everything() for leak in LEAKS)  # nothing the program wrote, not only the end
    states = [d["state"] for d in notify_events(store_url, case_id)]
    assert states == ["claimed", "failed", "claimed", "failed"]  # during the call, and again at the save


# --- commands -----------------------------------------------------------------------------------------------------
def test_notify_test_and_list_show_labels_and_never_a_url(http: HttpReceiver) -> None:
    down = free_port()
    env = {"RECOVER_NOTIFY": f"{http.url('emergency,overdue')} digest=json://duty:{ENCODED}@127.0.0.1:{down}/x"}
    listed = recover("notify", "list", env=env)
    assert listed.returncode == 0
    assert "#1 json://127.0.0.1" in listed.stdout and "emergency, overdue" in listed.stdout
    assert json.loads(recover("notify", "list", "--format", "json", env=env).stdout)["channels"][1] == {
        "channel": 2,
        "label": "#2 json://127.0.0.1",
        "kinds": ["digest"],
        "from": "RECOVER_NOTIFY",
    }
    ok = recover("notify", "test", "emergency", env=env)
    assert ok.returncode == 0 and "#1 json://127.0.0.1: delivered" in ok.stderr
    assert http.inbox.wait(1)[0]["title"] == "recover: test notification"
    bad = recover("notify", "test", env=env)
    assert bad.returncode == 1 and "#2 json://127.0.0.1: not delivered (" in bad.stderr
    assert recover("notify", "test", "pager", env=env).returncode == 2
    none = recover("notify", "test", "crisis", env=env)
    assert none.returncode == 1 and "no channel receives crisis notices" in none.stderr
    for r in (listed, ok, bad):
        assert not any(leak in r.stdout + r.stderr for leak in LEAKS)


def test_the_digest_lists_the_days_promises_for_cron(store_url: str, http: HttpReceiver) -> None:
    store = open_store(store_url)
    today = date.today()
    store.add(make_case(commitment="Refund by noon", follow_up_date=today.isoformat()))
    late = store.add(make_case(commitment="Call Ana back", follow_up_date=(today - timedelta(days=3)).isoformat())).id
    shown = recover("notify", "digest", "--dry-run")
    assert shown.returncode == 0
    assert "1 due today, 1 overdue, 0 emergencies" in shown.stdout
    assert f"{late} · 3 days overdue · other · Dana Reyes · promised: Call [customer] back" in shown.stdout
    assert "Ana" not in shown.stdout and "It broke" not in shown.stdout
    assert recover("notify", "digest").returncode == 1  # no digest channel yet: says where to add one
    sent = recover("notify", "digest", env={"RECOVER_NOTIFY": http.url("digest")})
    assert sent.returncode == 0 and "digest sent to #1 json://127.0.0.1" in sent.stderr
    assert http.inbox.wait(1)[0]["title"].endswith("1 due today, 1 overdue, 0 emergencies")


def test_watch_notify_without_a_channel_says_how_to_add_one() -> None:
    open_store(os.environ["RECOVER_STORE"]).add(make_case())
    r = recover("watch", "--notify", env={"RECOVER_NOTIFY": "digest=json://127.0.0.1:9/x"})
    assert r.returncode == 1 and "no channel receives emergency, overdue or crisis notices" in r.stderr


def test_a_bad_notify_setting_costs_the_call_nothing(tmp_path: Path) -> None:
    second, _ = first_then_repeat(tmp_path, {"RECOVER_NOTIFY": f"emergncy=json://u:{ENCODED}@127.0.0.1:9/x"})
    assert second.returncode == 0 and second.stdout.strip().startswith("RC-")
    assert "notifications are off: RECOVER_NOTIFY item 1: unknown kind `emergncy`" in second.stderr


def test_the_password_never_appears_in_any_output_or_file(
    tmp_path: Path, store_url: str, http: HttpReceiver, smtp: SmtpReceiver
) -> None:
    down = free_port()
    cfg = Path(os.environ["XDG_CONFIG_HOME"]) / "recover" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(
        f'[notify]\noverdue = "mailto://duty:{ENCODED}@127.0.0.1:{down}?to=dm@example.org"\n'
        f'crisis = "mailtos://duty:{PASSWORD}@mail.example.org"\n'
    )  # unencoded: Apprise cannot read it
    env = {"RECOVER_NOTIFY": f"{http.url()} {smtp.url()} emergency=json://duty:{ENCODED}@127.0.0.1:{down}/hook retry=0"}
    outputs: list[str] = []
    second, _ = first_then_repeat(tmp_path, env)
    outputs += [second.stdout, second.stderr]
    case_id = second.stdout.strip()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    open_store(store_url).add(make_case(commitment="Refund", follow_up_date=yesterday))
    for args in (
        ("notify", "list"),
        ("notify", "list", "--format", "json"),
        ("notify", "test"),
        ("notify", "test", "crisis"),
        ("notify", "digest"),
        ("notify", "digest", "--dry-run"),
        ("show", case_id),
        ("show", case_id, "--format", "json"),
        ("export", "--format", "jsonl"),
        ("list",),
        ("check",),
    ):
        r = recover(*args, env=env)
        outputs += [r.stdout, r.stderr]
    watch = subprocess.Popen(
        [str(RECOVER), "watch", "--notify", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    time.sleep(3)
    watch.send_signal(signal.SIGINT)
    outputs += list(watch.communicate(timeout=20))
    assert "not delivered" in "".join(outputs) and "Apprise cannot read this URL" in "".join(outputs)
    for text in outputs:
        assert not any(leak in text for leak in LEAKS), text
    data = json.dumps([e.data for e in open_store(store_url).get(case_id).events])
    assert not any(leak in data for leak in LEAKS)
    ours = (cfg, tmp_path / "first.yaml", tmp_path / "again.yaml")  # written by the test, not the tool
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in ours]
    assert any(p.name == "cases.db" for p in written) or store_url.startswith("postgresql")
    for p in written:
        raw = p.read_bytes()
        assert not any(leak.encode() in raw for leak in LEAKS), p
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600


# --- crises -----------------------------------------------------------------------------------------------------------
class MemoryLedger(Ledger):
    """A crisis's log in memory: the same locked conditional append as the store's crisis_events."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        lock = threading.Lock()

        def append_if(decide: Any) -> Event | None:
            with lock:
                event = decide([e for e in self.events if e.kind == "notify"])
                if event is not None:
                    self.events.append(event)
                return event

        super().__init__(append_if, "test")


def test_a_crisis_opened_pages_the_crisis_channels_with_counts_not_customers(http: HttpReceiver) -> None:
    s = load_settings({"RECOVER_NOTIFY": http.url("crisis")})
    ledger = MemoryLedger()
    sent = notify.crisis_opened(
        ledger,
        "CR-7KQ2M",
        "Aurora loses power off Malta",
        s,
        customers=212,
        supplier="Aurora Cruises",
        playbook="trip-disruption",
        staff="Lena Voss",
    )
    assert sent is not None and sent.ok
    m = http.inbox.wait(1)[0]
    assert m["title"] == "CRISIS CR-7KQ2M opened: Aurora loses power off Malta"
    for line in (
        "Customers affected: 212",
        "Supplier: Aurora Cruises",
        "Playbook: trip-disruption",
        "Opened by: Lena Voss",
        "recover crisis call CR-7KQ2M",
    ):
        assert line in m["message"]
    assert notify.crisis_opened(ledger, "CR-7KQ2M", "Aurora loses power off Malta", s, customers=212) is None  # once


def test_a_crisis_behind_its_pace_pages_at_most_once_an_hour(http: HttpReceiver) -> None:
    opened = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert not notify.crisis_pace(opened, opened + timedelta(minutes=30), 200, 10, per_hour=20).behind  # 10 of 10
    pace = notify.crisis_pace(opened, opened + timedelta(hours=2, minutes=30), 200, 31, per_hour=20)
    assert (pace.expected, pace.behind, pace.hour) == (50, True, 2)
    assert notify.crisis_pace(opened, opened + timedelta(hours=30), 40, 39, per_hour=20).expected == 40  # capped
    s = load_settings({"RECOVER_NOTIFY": http.url("crisis")})
    ledger = MemoryLedger()
    now = opened + timedelta(hours=2, minutes=30)
    assert notify.crisis_behind(ledger, "CR-7KQ2M", "Aurora", pace, s, now).ok
    assert notify.crisis_behind(ledger, "CR-7KQ2M", "Aurora", pace, s, now + timedelta(minutes=10)) is None
    later = notify.crisis_pace(opened, opened + timedelta(hours=3, minutes=5), 200, 40, per_hour=20)
    assert notify.crisis_behind(ledger, "CR-7KQ2M", "Aurora", later, s, now + timedelta(minutes=35)).ok
    titles = [m["title"] for m in http.inbox.wait(2)]
    assert titles == [
        "CRISIS CR-7KQ2M behind pace: 31 of 200 reached",
        "CRISIS CR-7KQ2M behind pace: 40 of 200 reached",
    ]
    assert "At 20 an hour, 50 should be reached by now." in http.inbox.messages[0]["message"]


def test_help_stays_fast_without_apprise() -> None:
    code = "import sys; from recoverycli.cli import app; print('apprise' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    assert "notify" in recover("--help").stdout


def test_a_desk_role_of_the_shared_store_guide_can_claim_and_record_a_page(
    guide_roles: dict[str, str],
    http: HttpReceiver,
) -> None:
    desk = guide_roles["desk_lobby"]
    case = open_store(desk).add(make_case().model_copy(update={"complaint_number": 2, "severity": "emergency"}))
    sent = notify.case_saved(open_store(desk), case, load_settings({"RECOVER_NOTIFY": http.url()}), "Dana Reyes")
    assert sent is not None and sent.ok and http.inbox.wait(1)
    assert [d["state"] for d in notify_events(desk, case.id)] == ["claimed", "sent"]


def test_crisis_open_pages_once_and_a_sweep_pages_a_crisis_behind_its_pace_once(
    tmp_path: Path, store_url: str, http: HttpReceiver
) -> None:
    """The wiring: `recover crisis open` pages the crisis channels; `watch --notify`'s sweep finds the crisis behind."""
    rows = "\n".join(f"Guest {i:03d},+1 415 555 {1000 + i},BK-{i},other" for i in range(40))
    (tmp_path / "list.csv").write_text("name,phone,booking,segment\n" + rows + "\n")
    env = {
        "RECOVER_STORE": store_url,
        "RECOVER_NOTIFY": f"{http.url('crisis')} crisis_pace=20",
        "RECOVER_STAFF": "Lena Voss",
    }
    opened = recover(
        "crisis", "open", "--title", "Aurora lost power at sea", "--customers", str(tmp_path / "list.csv"), env=env
    )
    assert opened.returncode == 0, opened.stderr
    crisis_id = opened.stdout.strip()
    [page] = http.inbox.wait(1)
    assert page["title"] == f"CRISIS {crisis_id} opened: Aurora lost power at sea"
    assert "Customers affected: 40" in page["message"] and "Guest 0" not in page["message"]
    settings = load_settings({"RECOVER_NOTIFY": f"{http.url('crisis')} crisis_pace=20"})
    later = datetime.now(UTC) + timedelta(hours=2)  # 40 should be reached by now, none is
    store = open_store(store_url)
    first = notify.sweep(store, settings, date.today(), now=later)
    again = notify.sweep(store, settings, date.today(), now=later + timedelta(minutes=5))
    assert [s.ok for s in first] == [True] and again == []
    assert http.inbox.wait(2)[1]["title"] == f"CRISIS {crisis_id} behind pace: 0 of 40 reached"
    time.sleep(0.5)
    assert len(http.inbox.messages) == 2  # opened once, behind once
