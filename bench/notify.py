"""What paging the duty manager costs a call: `recover start --answers` saving a repeat complaint (an emergency),
with no channel, with a receiver that answers, one that is down (connection refused) and one that accepts and never
replies (the read timeout).

Run by hand from an installed venv:  python bench/notify.py [runs]
Everything is on loopback; the numbers are wall time of the whole command, Python's start-up included.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.receivers import HttpReceiver, free_port  # noqa: E402

EXAMPLE = (ROOT / "playbooks" / "examples" / "other.answers.yaml").read_text()
REPEAT = EXAMPLE.replace("answers:\n", "answers:\n  escalated_to: Duty manager, 10:05\n")


def silent_server() -> tuple[int, socket.socket]:
    """Accepts connections and never answers: a service that hangs."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: [held.append(s.accept()[0]) for _ in iter(int, 1)], daemon=True).start()
    return s.getsockname()[1], s


def timed_save(env: dict[str, str], tmp: Path) -> tuple[float, float]:
    """(seconds until the case id is on stdout, seconds until the command ends) for the repeat complaint."""
    first, again = tmp / "first.yaml", tmp / "again.yaml"
    first.write_text(EXAMPLE)
    again.write_text(REPEAT)
    subprocess.run(
        [str(BIN / "recover"), "start", "other", "--answers", str(first)], env=env, check=True, capture_output=True
    )
    t = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "recover"), "start", "other", "--answers", str(again)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    case_id = proc.stdout.readline()
    printed = time.perf_counter() - t
    proc.wait()
    assert case_id.startswith("RC-") and proc.returncode == 0
    return printed, time.perf_counter() - t


def main() -> None:
    receiver = HttpReceiver()
    hang_port, _keep = silent_server()
    cases = {
        "no channel": "",
        "receiver answers": f"emergency=json://127.0.0.1:{receiver.port}/hook",
        "receiver down (refused)": f"emergency=json://127.0.0.1:{free_port()}/hook",
        "receiver hangs (timeout 3 s)": f"emergency=json://127.0.0.1:{hang_port}/hook",
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(RUNS):  # the cases take turns, so a busy moment on the machine does not land on one of them
        for name, setting in cases.items():
            with tempfile.TemporaryDirectory() as tmp:
                env = {
                    **os.environ,
                    "RECOVER_STORE": f"{tmp}/cases.db",
                    "XDG_CONFIG_HOME": tmp,
                    "XDG_DATA_HOME": tmp,
                    "RECOVER_NOTIFY": setting,
                }
                times[name].append(timed_save(env, Path(tmp)))
    print(f"median of {RUNS} runs, the second `recover start --answers` (an emergency), ms")
    print("| channel | case id printed | command done |")
    print("|---|---|---|")
    for name, got in times.items():
        printed = statistics.median(t[0] for t in got) * 1000
        done = statistics.median(t[1] for t in got) * 1000
        print(f"| {name} | {printed:.0f} | {done:.0f} |")
    receiver.stop()


if __name__ == "__main__":
    main()
