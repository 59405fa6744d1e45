"""A throwaway PostgreSQL cluster on loopback for the tests and benchmarks (initdb + pg_ctl).

RECOVER_TEST_POSTGRES=postgresql://… reuses a running server instead (the role must be able to
CREATE DATABASE). As root, the cluster runs as the `postgres` user: initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

ENV_URL = "RECOVER_TEST_POSTGRES"


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def why_unavailable() -> str | None:
    """None when a server can be had; else the reason, for a skip message."""
    if os.environ.get(ENV_URL):
        return None
    if not (find_bin("initdb") and find_bin("pg_ctl")):
        return f"no PostgreSQL server: initdb/pg_ctl not found (apt install postgresql) and {ENV_URL} is not set"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: cannot start PostgreSQL as another user"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    url: str  # the maintenance database, as a superuser (or the given server)
    base: Path | None = None  # our own cluster's directory, None for a reused server
    as_user: list[str] | None = None

    def database_url(self, name: str) -> str:
        head, _, tail = self.url.rpartition("/")
        query = tail.partition("?")[2]
        return f"{head}/{name}" + (f"?{query}" if query else "")

    def new_database(self) -> str:
        import psycopg

        name = "recover_t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rpartition("/")[2].partition("?")[0]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def sql(self, statement: str, url: str | None = None) -> None:
        import psycopg

        with psycopg.connect(url or self.url, autocommit=True) as conn:
            conn.execute(statement)

    def require_password(self, role: str) -> bool:
        """Make `role` log in with a password (scram) on our own cluster; False on a reused server."""
        if self.base is None:
            return False
        hba = self.base / "data" / "pg_hba.conf"
        hba.write_text(f"host all {role} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        subprocess.run(
            [*(self.as_user or []), find_bin("pg_ctl") or "pg_ctl", "-D", str(self.base / "data"), "reload"],
            check=True,
            capture_output=True,
        )
        return True

    def stop(self) -> None:
        if self.base is None:
            return
        subprocess.run(
            [
                *(self.as_user or []),
                find_bin("pg_ctl") or "pg_ctl",
                "-D",
                str(self.base / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(self.base, ignore_errors=True)


def start(fsync: bool = False) -> Cluster:
    """Our own cluster in a fresh directory, or the server named by RECOVER_TEST_POSTGRES."""
    if os.environ.get(ENV_URL):
        return Cluster(os.environ[ENV_URL])
    base = Path(tempfile.mkdtemp(prefix="recover-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, text=True)  # noqa: E731
    run(
        find_bin("initdb") or "initdb",
        "-D",
        str(data),
        "-U",
        "recover",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    opts = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={base}"
        f" -c max_connections=200 -c fsync={'on' if fsync else 'off'} -c synchronous_commit={'on' if fsync else 'off'}"
        f" -c full_page_writes={'on' if fsync else 'off'}"
    )
    try:
        run(
            find_bin("pg_ctl") or "pg_ctl",
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(base / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
    except subprocess.CalledProcessError as e:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {e.stderr}\n{log[-2000:]}") from None
    return Cluster(f"postgresql://recover@127.0.0.1:{port}/postgres", base, as_user)
