"""Real receivers on loopback for the notification tests: an HTTP endpoint (Apprise's json://) and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PASSWORD = "p@ss#w/rd?x"  # URL punctuation throughout: @ # / ?
ENCODED = "p%40ss%23w%2Frd%3Fx"
USER = "duty"
LEAKS = (PASSWORD, ENCODED, "p@ss", "w/rd", "%40ss", "rd%3F", "rd?x")  # the password whole, encoded, or in pieces


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    """What a receiver got, in order; `wait` gives it time to arrive."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def add(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.messages.append(message)
            self.lock.notify_all()

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """At least `count` messages, or fail after `timeout` seconds with what did arrive."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.messages)} of {count} message(s) arrived within {timeout} s: "
                        f"{[m.get('title') for m in self.messages]}"
                    )
                self.lock.wait(left)
            return list(self.messages)


class HttpReceiver:
    """Apprise's json:// posts {title, message, type}; this keeps each with the Basic-auth user it came with."""

    def __init__(self, port: int | None = None) -> None:
        self.inbox = Inbox()
        inbox = self.inbox

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = json.loads(body)
                inbox.add({**data, "path": self.path, "authorization": self.headers.get("Authorization")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, kinds: str = "emergency") -> str:
        return f"{kinds}=json://{USER}:{ENCODED}@127.0.0.1:{self.port}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """An SMTP server (aiosmtpd) that accepts mail only after a login with the punctuation-full password."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.inbox = Inbox()
        inbox = self.inbox
        self.logins: list[bool] = []

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                mail = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
                text = mail.get_body(preferencelist=("plain",))
                inbox.add(
                    {
                        "title": str(mail["Subject"]),
                        "message": text.get_content() if text else "",
                        "to": envelope.rcpt_tos,
                        "from": envelope.mail_from,
                        "authenticated": session.authenticated,
                    }
                )
                return "250 OK"

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = data.login == USER.encode() and data.password == PASSWORD.encode()
            self.logins.append(ok)
            return AuthResult(success=ok, handled=True)

        self.port = free_port()
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticate,
            auth_require_tls=False,
            auth_required=True,
        )
        self.controller.start()

    def url(self, kinds: str = "emergency") -> str:
        return (
            f"{kinds}=mailto://{USER}:{ENCODED}@127.0.0.1:{self.port}"
            f"?to=duty-manager@example.org&from=recover@example.org&mode=insecure"
        )

    def stop(self) -> None:
        self.controller.stop()
