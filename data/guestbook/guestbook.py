"""The Guestbook: a tiny real service to practise a game day on (not the Bookstore).

One HTTP process (Python's standard library only) in front of a SQLite file:

    GET  /health    200 "ok" while the process serves
    GET  /entries   the entries, read from the SQLite file (500 when it cannot be read)
    POST /entries   a new entry (the request body), acknowledged at once with 201
    POST /flush     commit the acknowledged entries now

Writes are acknowledged before they are on disk: a flusher commits them every
FLUSH_S seconds, so a process killed with SIGKILL loses what it had not yet flushed.
A backup of the file is taken every BACKUP_S seconds. That is the trade-off many real
services make, and what a game day's canary measures.

    python3 guestbook.py start [--port 8765]   start in the background, wait until healthy
    python3 guestbook.py stop                  stop it (SIGTERM: flushes first)
    python3 guestbook.py restore               put the latest backup in place of the file
    python3 guestbook.py canary RUN            the canary numbers of RUN on disk, one a line
                                               (after asking a live process to flush)
    python3 guestbook.py newest BEFORE         when the newest entry on disk written before
                                               BEFORE (epoch seconds) was written
    python3 guestbook.py forget RUN            delete the canary entries of RUN
    python3 guestbook.py serve [--port 8765]   run in the foreground

Everything it keeps is under ./run/ (the pid file, the log, the database, the backup,
and ready_at: when it last started serving, in epoch seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RUN = Path("run")
DB = RUN / "guestbook.db"
HOT_JOURNAL = RUN / "guestbook.db-journal"  # what a process killed mid-write leaves
BACKUP = RUN / "backup.db"
PIDFILE = RUN / "guestbook.pid"
LOG = RUN / "guestbook.log"
READY = RUN / "ready_at"
FLUSH_S = 0.5
BACKUP_S = 2.0
PORT = 8765


def connect(mode: str = "rw") -> sqlite3.Connection:
    """The database file as it is now; an error when it is gone (never a new empty one)."""
    return sqlite3.connect(f"file:{DB}?mode={mode}", uri=True, timeout=1.0)


class Store:
    """Acknowledged writes wait in memory until the flusher commits them."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def add(self, text: str) -> None:
        with self.lock:
            self.pending.append((text, time.time()))

    def flush(self) -> None:
        with self.lock:
            batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            with connect() as db:
                db.executemany("INSERT INTO entries (text, at) VALUES (?, ?)", batch)
        except sqlite3.Error:
            with self.lock:  # the file is gone: keep them for when it is back
                self.pending[:0] = batch

    def run(self, every: float, work) -> None:
        def loop() -> None:
            while True:
                time.sleep(every)
                work()

        threading.Thread(target=loop, daemon=True).start()


def backup() -> None:
    try:
        with connect("ro") as source, sqlite3.connect(RUN / "backup.tmp") as copy:
            source.backup(copy)
        os.replace(RUN / "backup.tmp", BACKUP)
    except sqlite3.Error:
        pass


class Handler(BaseHTTPRequestHandler):
    store: Store

    def _answer(self, status: int, body: str, kind: str = "text/plain") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        if self.path == "/health":
            self._answer(200, "ok")
        elif self.path == "/entries":
            try:
                with connect("ro") as db:
                    rows = db.execute("SELECT text, at FROM entries ORDER BY id").fetchall()
            except sqlite3.Error as error:
                self._answer(500, f"cannot read the guestbook: {error}")
                return
            entries = [{"text": text, "at": at} for text, at in rows]
            self._answer(200, json.dumps(entries), "application/json")
        else:
            self._answer(404, "not found")

    def do_POST(self) -> None:  # noqa: N802
        if self.path == "/flush":
            self.store.flush()
            self._answer(200, "flushed")
            return
        if self.path != "/entries":
            self._answer(404, "not found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        self.store.add(self.rfile.read(length).decode("utf-8", "replace"))
        self._answer(201, "written")

    def log_message(self, format: str, *args: object) -> None:
        pass  # the probes ask ten times a second


def serve(port: int) -> int:
    RUN.mkdir(exist_ok=True)
    if not DB.exists():
        with sqlite3.connect(DB) as db:
            db.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, text TEXT, at REAL)")
    # A kill during a flush leaves a hot journal, which a read-only connection cannot roll
    # back ("attempt to write a readonly database"): read once read-write before serving.
    with connect() as db:
        db.execute("SELECT count(*) FROM entries").fetchone()
    store = Store()
    Handler.store = store
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

    def stop(*_: object) -> None:
        store.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    store.run(FLUSH_S, store.flush)
    store.run(BACKUP_S, backup)
    READY.write_text(f"{time.time():.6f}\n")
    print(f"guestbook serving on 127.0.0.1:{port}", flush=True)
    server.serve_forever()
    return 0


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=0.5) as answer:
            return answer.status == 200
    except OSError:
        return False


def start(port: int) -> int:
    if healthy(port):
        print(f"already serving on 127.0.0.1:{port}")
        return 0
    RUN.mkdir(exist_ok=True)
    with open(LOG, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, __file__, "serve", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a daemon: it outlives the command that started it
        )
    PIDFILE.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"guestbook exited with status {process.returncode}; see {LOG}")
            return 1
        if healthy(port):
            print(f"guestbook (pid {process.pid}) serving on 127.0.0.1:{port}")
            return 0
        time.sleep(0.02)
    print(f"guestbook did not answer within 10s; see {LOG}")
    return 1


def stop() -> int:
    try:
        os.kill(int(PIDFILE.read_text()), signal.SIGTERM)
    except (OSError, ValueError):
        print("guestbook was not running")
    return 0


def restore() -> int:
    if not BACKUP.exists():
        print(f"no backup at {BACKUP}")
        return 1
    with sqlite3.connect(BACKUP) as source, sqlite3.connect(RUN / "restore.tmp") as copy:
        source.backup(copy)
    # A journal left by a process killed mid-write belongs to the file being replaced:
    # SQLite would roll it back onto the restored file and tear it.
    HOT_JOURNAL.unlink(missing_ok=True)
    os.replace(RUN / "restore.tmp", DB)
    print(f"{DB} restored from {BACKUP}")
    return 0


def canary(run: str, port: int) -> int:
    """What survived on disk: a live process first commits what it acknowledged (as a
    replica is read only once it caught up); a dead one's unflushed writes are lost."""
    try:
        flush = urllib.request.Request(f"http://127.0.0.1:{port}/flush", b"", method="POST")
        urllib.request.urlopen(flush, timeout=1).close()
    except OSError:
        pass
    prefix = f"canary-{run}-"
    with connect("ro") as db:
        rows = db.execute("SELECT text FROM entries WHERE text LIKE ?", (prefix + "%",))
        for (text,) in rows:
            print(text.removeprefix(prefix))
    return 0


def newest(before: str) -> int:
    """The restore point: the time of the newest entry the file holds from before BEFORE
    (nothing printed when it holds none)."""
    with connect("ro") as db:
        (at,) = db.execute("SELECT max(at) FROM entries WHERE at < ?", (float(before),)).fetchone()
    if at is not None:
        print(f"{at:.6f}")
    return 0


def forget(run: str) -> int:
    with connect() as db:
        db.execute("DELETE FROM entries WHERE text LIKE ?", (f"canary-{run}-%",))
    return 0


def main() -> int:
    os.chdir(Path(__file__).parent)
    parser = argparse.ArgumentParser(description="The Guestbook service")
    commands = ("serve", "start", "stop", "restore", "canary", "newest", "forget")
    parser.add_argument("command", choices=commands)
    parser.add_argument("run", nargs="?", help="canary, forget: the run id; newest: BEFORE")
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    commands = {
        "serve": lambda: serve(args.port),
        "start": lambda: start(args.port),
        "stop": stop,
        "restore": restore,
        "canary": lambda: canary(args.run, args.port),
        "newest": lambda: newest(args.run),
        "forget": lambda: forget(args.run),
    }
    try:
        return commands[args.command]()
    except sqlite3.Error as error:
        print(f"guestbook: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
