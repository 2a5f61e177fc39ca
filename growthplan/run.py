"""`make run`: the web server in the foreground, a Celery worker with beat embedded beside it.

    python -m growthplan.run [HOST:PORT]

The worker uses the configured broker (by default a local SQLite file, see settings), so that
background jobs run as in production: a page that queues one answers at once. Its lines are
printed prefixed with "worker |". Ctrl-C (or SIGTERM, SIGHUP) stops both; when either one
exits, the other is stopped too. A task the worker is running is finished first (Celery's warm
shutdown); a second Ctrl-C stops it at once, and the task runs again on the next start.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

BASE_DIR = Path(__file__).resolve().parent.parent
PREFIX = "worker | "


def worker_command() -> list[str]:
    # Beat keeps when each entry last ran in settings.CELERY_BEAT_SCHEDULE_FILENAME.
    return [
        sys.executable, "-m", "celery", "-A", "growthplan", "worker", "--beat",
        "--concurrency", "2", "--loglevel", "INFO",
    ]  # fmt: skip


def web_command(host: str) -> list[str]:
    return [sys.executable, "manage.py", "runserver", host]


def _relay(stream: IO[str], prefix: str) -> None:
    for line in stream:
        sys.stdout.write(prefix + line)
        sys.stdout.flush()


def main(argv: list[str]) -> int:
    host = argv[0] if argv else "127.0.0.1:8000"
    children: list[subprocess.Popen] = []
    signals: list[int] = []

    def on_signal(signum: int, _frame) -> None:
        signals.append(signum)
        running = [c for c in children if c.poll() is None]
        if len(signals) == 1:
            for child in running:
                child.send_signal(signal.SIGTERM)  # Celery: warm shutdown
            print(f"{PREFIX}stopping; Ctrl-C again to stop a running task now", flush=True)
        else:
            for child in running:
                child.send_signal(signal.SIGQUIT if child is children[0] else signal.SIGTERM)

    # Before the children start, so that no signal leaves one of them behind.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
        signal.signal(signum, on_signal)
    # Each child in a process group of its own, so that Ctrl-C reaches this process only and
    # is passed on once (Celery takes a second signal as "stop the running task now").
    worker = subprocess.Popen(
        worker_command(), cwd=BASE_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1, process_group=0,
    )  # fmt: skip
    children.append(worker)
    relay = threading.Thread(target=_relay, args=(worker.stdout, PREFIX), daemon=True)
    relay.start()
    if not signals:
        children.append(
            subprocess.Popen(
                web_command(host), cwd=BASE_DIR, stdin=subprocess.DEVNULL, process_group=0
            )
        )
    while not signals and all(c.poll() is None for c in children):
        time.sleep(0.2)
    if not signals:  # one stopped on its own (a port in use, a worker that cannot start)
        which = "worker" if worker.poll() is not None else "web server"
        print(f"The {which} stopped; stopping the other.", file=sys.stderr, flush=True)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
    for child in children:
        child.wait()
    relay.join(timeout=5)
    if signals:
        return 0
    return next((c.returncode for c in children if c.returncode), 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
