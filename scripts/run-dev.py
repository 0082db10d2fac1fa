#!/usr/bin/env python3
"""Run the web server, a task worker, the scheduler and the demo's log witness together: `make run`.

    .venv/bin/python scripts/run-dev.py [--host 127.0.0.1] [--port 8000]

Each runs as a child process in a process group of its own; their output is shown line by line with
a prefix naming it. Ctrl-C (SIGINT) or SIGTERM to this script stops them all: it passes SIGINT to
each group (so Django's autoreloader and the process it restarts both get it), waits up to ten
seconds, then sends SIGTERM, then SIGKILL. When any of them exits on its own (a port already in
use, a crash), the others are stopped too and the script exits with status 1, so a half-running
system never looks like a running one.

SITE_URL (the address in emailed links, QR codes and the JWKS URL) is set to http://HOST:PORT
unless it is set already, in the environment or in .env.

Only the standard library: a supervisor with a dependency (honcho, supervisord) would be one more
package to lock and audit for about a hundred lines of code.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STOP_WAIT_SECONDS = 10.0
KILL_WAIT_SECONDS = 5.0
COLOURS = {"web": "36", "worker": "33", "scheduler": "35", "run-dev": "1"}


def site_url_default(host: str, port: int) -> str | None:
    """http://HOST:PORT for SITE_URL, or None when SITE_URL is set in the environment or .env."""
    if os.environ.get("SITE_URL"):
        return None
    dotenv = ROOT / ".env"
    if not os.environ.get("DOTENV_DISABLED") and dotenv.is_file():
        for line in dotenv.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("SITE_URL=") and line.split("=", 1)[1].strip():
                return None
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening everywhere: link to this machine
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Supervisor:
    def __init__(self, commands: dict[str, list[str]], *, env: dict[str, str]):
        self.commands = commands
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.stopping = threading.Event()
        self.out_lock = threading.Lock()
        self.colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        self.width = max(len(name) for name in [*commands, "run-dev"])

    def say(self, name: str, line: str) -> None:
        label = name.ljust(self.width)
        if self.colour:
            label = f"\033[{COLOURS.get(name, '0')}m{label}\033[0m"
        with self.out_lock:
            sys.stdout.write(f"{label} | {line}\n")
            sys.stdout.flush()

    def _pump(self, name: str, stream) -> None:
        for raw in iter(stream.readline, b""):
            self.say(name, raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def start(self) -> None:
        for name, argv in self.commands.items():
            proc = subprocess.Popen(  # noqa: S603 - our own fixed commands
                argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the terminal's Ctrl-C comes through us
            )
            self.procs[name] = proc
            threading.Thread(target=self._pump, args=(name, proc.stdout), daemon=True).start()
            self.say("run-dev", f"started {name} (PID {proc.pid}): {' '.join(argv[1:])}")

    def _signal_groups(self, sig: int) -> None:
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass

    def _groups_alive(self) -> bool:
        alive = False
        for proc in self.procs.values():
            proc.poll()
            try:
                os.killpg(proc.pid, 0)
                alive = True
            except ProcessLookupError:
                pass
            except PermissionError:  # pragma: no cover - a recycled group id that is not ours
                pass
        return alive

    def _wait_groups(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self._groups_alive():
                return True
            time.sleep(0.1)
        return not self._groups_alive()

    def stop(self, reason: str) -> None:
        self.say("run-dev", f"{reason}: stopping {', '.join(self.procs)}")
        for sig, wait in ((signal.SIGINT, STOP_WAIT_SECONDS), (signal.SIGTERM, KILL_WAIT_SECONDS)):
            self._signal_groups(sig)
            if self._wait_groups(wait):
                break
        else:
            self._signal_groups(signal.SIGKILL)
            self._wait_groups(KILL_WAIT_SECONDS)
        for name, proc in self.procs.items():
            self.say("run-dev", f"{name} (PID {proc.pid}) exited with {proc.wait()}")

    def run(self) -> int:
        def on_signal(signum, _frame):
            self.stopping.set()
            self.signal_name = signal.Signals(signum).name

        self.signal_name = ""
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        self.start()
        while not self.stopping.wait(0.2):
            ended = [(name, p.returncode) for name, p in self.procs.items() if p.poll() is not None]
            if ended:
                name, code = ended[0]
                self.stop(f"{name} exited with {code}")
                return 1
        self.stop(f"{self.signal_name or 'stop'} received")
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the web server, a task worker, the scheduler and the witness.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    args = parser.parse_args()

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    site_url = site_url_default(args.host, args.port)
    if site_url:
        env["SITE_URL"] = site_url
    manage = [args.python, "manage.py"]
    address = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    commands = {
        "web": [*manage, "runserver", address],
        # A stable worker id: after a crash, the restarted worker takes back the task it left running.
        "worker": [*manage, "run_worker", "--queue-name", "*", "--worker-id", f"{socket.gethostname()}-dev-worker"],
        "scheduler": [*manage, "run_scheduler"],
    }
    # The demo's witness of the public log (set up by seed_demo): its own process and database, as
    # a real witness would be, checking and cosigning each new checkpoint over HTTP.
    witness_db, log_key = ROOT / "var" / "demo-witness.sqlite3", ROOT / "var" / "demo-witness.log-key"
    if witness_db.exists() and log_key.exists():
        commands["witness"] = [
            args.python,
            *("-m", "ecitizen.ledger.witness", "run", "--db", str(witness_db), "--interval", "30"),
            *("--log", f"http://{address}/log", "--log-key", log_key.read_text().strip()),
        ]
    supervisor = Supervisor(commands, env=env)
    supervisor.say("run-dev", f"SITE_URL={env.get('SITE_URL') or '(from .env)'}; Ctrl-C stops all of them")
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
