"""A throwaway PostgreSQL server for the tests and the benchmarks.

PostgreSQL's server refuses to run as root, so as root the cluster is made and run by the
``postgres`` user (Debian's package creates it) through ``runuser``; as anyone else it runs
directly. It listens on a free loopback port, keeps its files (and its socket) in a temporary
folder, and is stopped and removed by ``stop()``.

``python -m bot.testing.postgres`` says in one line whether a server can be started here.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

USER = "quizbot"
PASSWORD = "quizbot"
INSTALL_HINT = "apt-get install postgresql-15"

# A test server keeps nothing worth a sync: it is deleted at the end of the run.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: PATH first, then Debian's
    /usr/lib/postgresql/VERSION/bin (the newest version)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: (
            int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ClusterError(RuntimeError):
    pass


@dataclass
class Cluster:
    """``start()`` makes and starts it, ``stop()`` stops and deletes it."""

    fast: bool = True
    port: int = 0
    folder: Path | None = None
    _as_user: list[str] = field(default_factory=list)
    _bin: Path | None = None

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, database: str) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as_user, *args], capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise ClusterError(f"{' '.join(args[:1])} failed: {done.stderr.strip()[-800:]}")

    def start(self) -> Cluster:
        binaries = find_binaries()
        if binaries is None:
            raise ClusterError(f"PostgreSQL is not installed ({INSTALL_HINT})")
        self._bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="quizbot-pg-"))
        data = self.folder / "data"
        if os.geteuid() == 0:
            # initdb and postgres refuse root: the cluster belongs to the postgres user.
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterError(
                    "running as root needs a 'postgres' user to run the server"
                ) from exc
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self.folder.chmod(0o700)
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        if self._as_user:
            os.chown(password_file, owner.pw_uid, owner.pw_gid)
        self._run(
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.port = _free_port()
        options = f"-p {self.port} -k {self.folder} -h 127.0.0.1 -c max_connections=200"
        if self.fast:
            options += "".join(f" -c {setting}" for setting in FAST_SETTINGS)
        self._run(
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self) -> None:
        if self.folder is None or self._bin is None:
            return
        try:
            self._run(
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def availability() -> str | None:
    """None when a throwaway server can be started here; otherwise the one-line reason."""
    if os.environ.get("QUIZBOT_TEST_DATABASE_URL"):
        return None
    if find_binaries() is None:
        return (
            f"PostgreSQL is not installed: the postgres tests are skipped ({INSTALL_HINT} to run"
            " them, or set QUIZBOT_TEST_DATABASE_URL to an existing server)"
        )
    return None


if __name__ == "__main__":
    reason = availability()
    if reason is not None:
        print(reason)
        sys.exit(1 if os.environ.get("CI") == "true" else 0)
    if os.environ.get("QUIZBOT_TEST_DATABASE_URL"):
        print("the postgres tests use the server in QUIZBOT_TEST_DATABASE_URL")
    else:
        print(f"the postgres tests start a throwaway PostgreSQL server ({find_binaries()})")
