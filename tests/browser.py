"""A real headless Chromium, driven over the DevTools protocol on a pipe: no driver, no network, no extra package.

Used to look at the report page as a phone shows it: a 390 px wide viewport, what the fonts measure once laid out,
and the accessibility tree a screen reader reads.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def need_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must render the page: .ci/run installs Debian's chromium")
        pytest.skip("no chromium on this machine (.ci/run installs Debian's chromium)")
    return CHROMIUM


class Browser:
    """One Chromium process; `open` loads a page in a viewport of the given size and returns once it has loaded."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="recover-chromium-", ignore_cleanup_errors=True)
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:  # --remote-debugging-pipe reads commands on fd 3 and answers on fd 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={self.profile.name}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": self.profile.name},
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.session: str | None = None

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("chromium did not answer within a minute")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, wait_for: str | None = None) -> dict[str, Any]:
        """Send one command; return its result (or, with wait_for, the params of that event once it arrives)."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 60
        result: dict[str, Any] | None = None
        event: dict[str, Any] | None = None
        while result is None or (wait_for is not None and event is None):
            m = self._read(deadline)
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                result = m["result"]
            elif wait_for is not None and m.get("method") == wait_for:
                event = m["params"]
        return event if wait_for is not None else result

    def open(self, page: Path, width: int, height: int = 900) -> None:
        targets = self.send("Target.getTargets")["targetInfos"]
        target = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})[
            "sessionId"
        ]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
        )
        self.send("Page.enable")
        self.send("Page.navigate", {"url": page.as_uri()}, wait_for="Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def accessibility_tree(self) -> list[dict[str, Any]]:
        self.send("Accessibility.enable")
        return self.send("Accessibility.getFullAXTree")["nodes"]

    def screenshot(self, path: Path) -> None:
        import base64

        path.write_bytes(
            base64.b64decode(
                self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
            )
        )

    def close(self) -> None:
        try:
            self.session = None
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - it is going away either way
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            os.close(fd)
        self.profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Every element that draws text: its font size as rendered (an SVG's scaling included), the smallest first.
SMALLEST_TEXT = """(() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) size *= el.getScreenCTM().a;
    out.push([Math.round(size * 100) / 100, el.tagName.toLowerCase(), el.textContent.trim().slice(0, 40)]);
  }
  return out.sort((a, b) => a[0] - b[0]);
})()"""
