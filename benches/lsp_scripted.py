#!/usr/bin/env python3
"""Scripted benchmark of the language server (`multi-model serve --stdio`), end to end.

Speaks LSP over the child's stdio (Content-Length framing), standard library only, against
the RELEASE binary, and prints:

  1. spawn -> `initialize` reply latency (median of N spawns);
  2. `textDocument/codeAction` round trip p50/p99 on a generated 10,000-line Python file,
     for a cursor (empty range: carried as it is, resolved when the command runs) and for a
     selection, next to a floor (a request for an unknown method: framing + dispatch +
     this client);
  3. 5,000 incremental edits typed at random places with non-ASCII text (é, 漢, 🚀),
     sent back-to-back as `didChange`, then a `codeAction` whose arguments carry the
     version: edits/s = 5,000 / (first edit sent -> that reply). Then verifies the server
     holds the same text as a client-side copy that applied the same edits: the version,
     no clamping/error warning (stderr or window/logMessage), every line's UTF-16 length
     and the line count (a codeAction whose selection runs past each line's end comes back
     clamped to the line end), and cursors at sampled places;
  4. VmRSS of the server idle after `initialize`, and with 200 files of 500 lines open.

Not a test: nothing here asserts a time. Usage (from the repository root):

    cargo build --release && python3 benches/lsp_scripted.py [--binary PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "multi-model"

GOALS = {
    "code_action_p50_us": 200.0,
    "code_action_p99_us": 1000.0,
    "edits_per_s": 20_000.0,
    "idle_rss_mb": 15.0,
    # With 200 files open the server holds their ropes, the syntax trees of edited ones
    # (a tree costs 20-50x its text), the workspace index and the offline findings.
    # (Ropes alone stayed under 3x the text.)
    "open_rss_mb": 100.0,
}


# --------------------------------------------------------------------------------------
# The generated Python file
# --------------------------------------------------------------------------------------

WORDS = [
    "alpha", "beta", "gamma", "delta", "count", "total", "items", "value", "result", "name",
    "path", "buffer", "index", "offset", "limit", "state", "config", "record", "entry", "token",
    "request_count", "total_value", "pending_items", "source_path", "read_buffer",
    "current_index", "byte_offset", "retry_limit", "session_state", "user_config",
]
NON_ASCII = ["café", "naïve", "漢字", "日本語", "🚀", "résumé", "déjà vu", "Ωmega"]


def generate_python(n_lines: int, seed: int) -> str:
    """A deterministic Python module of exactly `n_lines` lines (and a final newline):
    classes with methods, functions with nested blocks, comments and strings with some
    non-ASCII, blank lines between definitions."""
    rng = random.Random(seed)
    out: list[str] = [
        f'"""Generated module {seed} for the LSP benchmark: café, 漢字, 🚀."""',
        "",
        "import os",
        "import sys",
        "from dataclasses import dataclass",
        "",
        f"LIMIT_{seed} = {rng.randint(10, 999)}",
        "",
    ]
    counter = 0

    def word() -> str:
        return rng.choice(WORDS)

    def statement(indent: str) -> list[str]:
        r = rng.random()
        if r < 0.35:
            return [f"{indent}{word()}_{rng.randint(0, 9)} = self_{word()}.{word()} + {rng.randint(1, 99)}"]
        if r < 0.45:
            return [f"{indent}# {rng.choice(NON_ASCII)}: {word()} {word()} {word()}"]
        if r < 0.55:
            return [f'{indent}label = "{rng.choice(NON_ASCII)} {word()}"']
        if r < 0.65:
            return [f"{indent}{word()}.append(({word()}, {word()}[{rng.randint(0, 9)}]))"]
        if r < 0.80:
            body = [f"{indent}if {word()} > {rng.randint(0, 50)}:"]
            for _ in range(rng.randint(1, 3)):
                body.append(f"{indent}    {word()} = max({word()}, {word()} * {rng.randint(2, 9)})")
            if rng.random() < 0.4:
                body.append(f"{indent}else:")
                body.append(f"{indent}    {word()} = None")
            return body
        if r < 0.92:
            body = [f"{indent}for {word()}_i in range({rng.randint(2, 100)}):"]
            for _ in range(rng.randint(1, 3)):
                body.append(f"{indent}    total += {word()}_i * len({word()})")
            return body
        return [
            f"{indent}call_{word()}(",
            f"{indent}    {word()},",
            f"{indent}    {word()}={rng.randint(0, 9)},",
            f"{indent})",
        ]

    def function(indent: str, method: bool) -> list[str]:
        nonlocal counter
        counter += 1
        args = ", ".join(["self"] * method + [word() for _ in range(rng.randint(0, 3))])
        head = "async def" if rng.random() < 0.1 else "def"
        lines = [f"{indent}{head} {word()}_{counter}({args}):"]
        if rng.random() < 0.5:
            lines.append(f'{indent}    """{word().capitalize()} the {word()} ({rng.choice(NON_ASCII)})."""')
        for _ in range(rng.randint(2, 8)):
            lines.extend(statement(indent + "    "))
        lines.append(f"{indent}    return {word()}")
        return lines

    # Ends, as scripts do, with a module-level `if __name__ == "__main__":` block.
    tail = ["", 'if __name__ == "__main__":', f"    sys.exit(main_{seed}(sys.argv))"]
    while len(out) < n_lines - len(tail):
        r = rng.random()
        if r < 0.3:
            counter += 1
            if rng.random() < 0.3:
                out.append("@dataclass")
            out.append(f"class {word().capitalize()}{counter}:")
            out.append(f'    """A {word()} of {word()}s."""')
            for _ in range(rng.randint(2, 5)):
                out.append("")
                out.extend(function("    ", True))
        elif r < 0.9:
            out.extend(function("", False))
        else:
            out.append(f"{word().upper()}_{counter} = {rng.randint(0, 10_000)}")
        out.append("")
        out.append("")
    out = out[: n_lines - len(tail)] + tail
    return "\n".join(out[:n_lines]) + "\n"


# --------------------------------------------------------------------------------------
# What the server should answer, computed client-side
# --------------------------------------------------------------------------------------


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def utf16_col(line: str, chars: int) -> int:
    return utf16_len(line[:chars])


OPENERS = (
    "def ", "async def ", "class ", "fn ", "pub fn ", "async fn ", "pub async fn ",
    "function ", "async function ", "impl ",
)


def rust_lines(lines: list[str]) -> list[str]:
    """`str::lines()` of the text whose rope lines are `lines` (split on '\\n')."""
    return lines[:-1] if lines and lines[-1] == "" else lines


def cursor_range_ok(sent: dict, got: dict) -> bool:
    """A cursor's code-action range: the cursor as sent (the server answers without a parse;
    the command resolves it to the enclosing definition when it runs), so the server's
    positions agree with the client's copy."""
    return got == sent


def lsp_range(l1: int, c1: int, l2: int, c2: int) -> dict:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


# --------------------------------------------------------------------------------------
# The LSP connection
# --------------------------------------------------------------------------------------


def frame(message: dict) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class ServerError(RuntimeError):
    pass


class Server:
    """One `multi-model serve --stdio` child and the client side of its connection."""

    def __init__(self, binary: Path, workspace: Path, argv: list[str] | None = None):
        self.stderr_file = tempfile.TemporaryFile()
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen(
            argv or [str(binary), "serve", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            bufsize=0,
            cwd=workspace,
        )
        self.workspace = workspace
        self.fd_in = self.proc.stdin.fileno()
        self.fd_out = self.proc.stdout.fileno()
        self.buf = bytearray()
        self.next_id = 0
        self.notifications: list[dict] = []
        self.responses: dict[int, dict] = {}
        self.writing = False  # a bulk writer thread owns stdin: queue our replies
        self.pending_replies: list[dict] = []

    # -- plumbing ----------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd_in, view)
            view = view[n:]

    def send(self, message: dict) -> None:
        self.write(frame(message))

    def request_message(self, method: str, params) -> tuple[int, dict]:
        self.next_id += 1
        return self.next_id, {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}

    def notify(self, method: str, params) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def read_message(self, deadline: float) -> dict:
        return json.loads(self.read_frame(deadline))

    def read_frame(self, deadline: float) -> bytes:
        """The body of the next message, undecoded."""
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                length = None
                for header in bytes(self.buf[:i]).decode("ascii").split("\r\n"):
                    name, _, value = header.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                if length is None:
                    raise ServerError(f"frame without Content-Length: {bytes(self.buf[:i])!r}")
                end = i + 4 + length
                if len(self.buf) >= end:
                    body = bytes(self.buf[i + 4 : end])
                    del self.buf[:end]
                    return body
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise ServerError("timed out waiting for the server\n" + self.stderr_text()[-2000:])
            ready, _, _ = select.select([self.fd_out], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.fd_out, 1 << 16)
            if not chunk:
                raise ServerError("the server closed stdout\n" + self.stderr_text()[-2000:])
            self.buf += chunk

    def dispatch(self, message: dict) -> None:
        """Files a message that is not the response being waited for."""
        if "method" in message and "id" in message:
            # A request from the server (client/registerCapability, ...): accept it.
            reply = {"jsonrpc": "2.0", "id": message["id"], "result": None}
            if self.writing:
                self.pending_replies.append(reply)
            else:
                self.send(reply)
            self.notifications.append(message)
        elif "method" in message:
            self.notifications.append(message)
        else:
            self.responses[message["id"]] = message

    def wait_response(self, id_: int, timeout: float = 30.0) -> dict:
        deadline = time.perf_counter() + timeout
        while id_ not in self.responses:
            message = self.read_message(deadline)
            if message.get("id") == id_ and "method" not in message:
                return message
            self.dispatch(message)
        return self.responses.pop(id_)

    def wait_method(self, method: str, timeout: float = 10.0) -> dict:
        deadline = time.perf_counter() + timeout
        for message in self.notifications:
            if message.get("method") == method:
                return message
        while True:
            message = self.read_message(deadline)
            self.dispatch(message)
            if message.get("method") == method:
                return message

    def request(self, method: str, params, timeout: float = 30.0) -> dict:
        id_, message = self.request_message(method, params)
        self.send(message)
        return self.wait_response(id_, timeout)

    def stderr_text(self) -> str:
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode(errors="replace")

    # -- lifecycle ---------------------------------------------------------------------

    def initialize(self) -> tuple[dict, float]:
        """Sends `initialize` and returns the reply with the seconds since the spawn."""
        reply = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "clientInfo": {"name": "lsp_scripted"},
                "rootUri": self.workspace.as_uri(),
                "workspaceFolders": [{"uri": self.workspace.as_uri(), "name": "bench"}],
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "window": {"workDoneProgress": True},
                    "workspace": {
                        "applyEdit": True,
                        "didChangeWatchedFiles": {"dynamicRegistration": True},
                    },
                },
            },
        )
        elapsed = time.perf_counter() - self.t_spawn
        if "error" in reply:
            raise ServerError(f"initialize failed: {reply['error']}")
        return reply, elapsed

    def initialized(self) -> None:
        self.notify("initialized", {})
        # The server registers its configuration watcher; answer so nothing hangs.
        self.wait_method("client/registerCapability")

    def shutdown(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except (ServerError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.stderr_file.close()

    # -- documents ---------------------------------------------------------------------

    def uri(self, name: str) -> str:
        return (self.workspace / name).as_uri()

    def open(self, name: str, text: str, version: int = 1) -> str:
        uri = self.uri(name)
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}},
        )
        return uri

    def rss_kb(self) -> dict[str, int]:
        fields = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                    fields[name] = int(value.split()[0])
        return fields

    def cpu_ns(self) -> int:
        """CPU time the server's threads have run so far (ns, /proc/PID/task/*/schedstat).
        A thread that exits in between takes its time along; the runtime keeps its
        workers, and the blocking pool's threads live 10 s, longer than a measurement."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass
        return total

    def warnings(self) -> list[str]:
        """Warnings and errors the server sent to the log or wrote to stderr."""
        found = [
            f"logMessage(type {m['params'].get('type')}): {m['params'].get('message')}"
            for m in self.notifications
            if m.get("method") == "window/logMessage" and m["params"].get("type") in (1, 2)
        ]
        found += [
            f"showMessage: {m['params'].get('message')}"
            for m in self.notifications
            if m.get("method") == "window/showMessage"
        ]
        found += [
            f"stderr: {line}"
            for line in self.stderr_text().splitlines()
            if "clamp" in line or "ignored" in line or "not open" in line or "panic" in line
        ]
        return found


def code_action_params(uri: str, rng: dict) -> dict:
    return {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": []}}


def action_target(reply: dict) -> dict:
    """The `Target` argument of the first code action of a reply."""
    if "error" in reply:
        raise ServerError(f"codeAction failed: {reply['error']}")
    actions = reply["result"]
    if not actions:
        raise ServerError("codeAction returned no action")
    return actions[0]["command"]["arguments"][0]


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_us(seconds: list[float]) -> dict:
    us = [s * 1e6 for s in seconds]
    return {
        "n": len(us),
        "p50_us": round(percentile(us, 50), 1),
        "p90_us": round(percentile(us, 90), 1),
        "p99_us": round(percentile(us, 99), 1),
        "max_us": round(max(us), 1),
        "mean_us": round(statistics.fmean(us), 1),
    }


def random_position(rng: random.Random, lines: list[str], line: int | None = None) -> tuple[int, int]:
    """A random (line, UTF-16 column) on a code point boundary."""
    if line is None:
        line = rng.randrange(len(lines))
    text = lines[line]
    return line, utf16_col(text, rng.randint(0, len(text)))


def bench_spawn(binary: Path, workspace: Path, spawns: int) -> dict:
    times = []
    for _ in range(spawns):
        server = Server(binary, workspace)
        try:
            _, elapsed = server.initialize()
            times.append(elapsed)
        finally:
            server.shutdown()
    return {
        "spawns": spawns,
        "median_ms": round(statistics.median(times) * 1e3, 2),
        "min_ms": round(min(times) * 1e3, 2),
        "max_ms": round(max(times) * 1e3, 2),
    }


REPLY_LIKE = [
    {
        "title": "Plan with Sisyphus",
        "kind": "refactor",
        "command": {
            "title": "Plan with Sisyphus",
            "command": "multi-model.plan",
            "arguments": [
                {
                    "uri": "file:///tmp/lsp-bench-xxxxxxxx/big.py",
                    "range": lsp_range(1234, 0, 1250, 33),
                    "version": 1,
                    "task": None,
                    "diagnostic": None,
                }
            ],
        },
    }
] * 4


def pipelined(server: Server, messages: list[dict]) -> tuple[float, float]:
    """Seconds from the first byte of `messages` (requests, sent back-to-back by a writer
    thread) to the last reply, and the server's CPU seconds meanwhile: its cost per
    request without the wake-ups of one round trip at a time."""
    ids = [m["id"] for m in messages]
    blob = b"".join(frame(m) for m in messages)
    started = {}

    def writer() -> None:
        started["t0"] = time.perf_counter()
        server.write(blob)

    cpu0 = server.cpu_ns()
    server.writing = True
    thread = threading.Thread(target=writer)
    thread.start()
    # Frames are only counted here, not decoded, so that this client is not the bottleneck;
    # the last one is decoded and checked.
    deadline = time.perf_counter() + 120
    left = len(ids)
    while left:
        body = server.read_frame(deadline)
        if b'"method":' in body:
            server.dispatch(json.loads(body))
            continue
        left -= 1
    t1 = time.perf_counter()
    cpu = (server.cpu_ns() - cpu0) / 1e9
    last = json.loads(body)
    if last.get("id") != ids[-1] or ("result" not in last and last["error"]["code"] != -32601):
        raise ServerError(f"pipelined requests: unexpected last reply {str(last)[:300]}")
    thread.join()
    server.writing = False
    for pending in server.pending_replies:
        server.send(pending)
    server.pending_replies.clear()
    return t1 - started["t0"], cpu


def bench_client_floor(workspace: Path, requests: int) -> dict:
    """This client's own share of a round trip: the same request echoed back by `cat`
    (framing, two pipe hops, a process wake-up, JSON decoding)."""
    echo = Server(Path("cat"), workspace, argv=["cat"])
    times = []
    try:
        for i in range(100 + requests):
            # Sized like a code action reply (four actions, each with its target).
            id_, message = echo.request_message("bench/echo", REPLY_LIKE)
            t0 = time.perf_counter()
            echo.send(message)
            deadline = t0 + 10
            while True:
                reply = echo.read_message(deadline)
                if reply.get("id") == id_:
                    break
            t1 = time.perf_counter()
            if i >= 100:
                times.append(t1 - t0)
    finally:
        echo.proc.stdin.close()
        echo.proc.wait()
        echo.proc.stdout.close()
        echo.stderr_file.close()
    return summary_us(times)


def bench_code_actions(server: Server, text: str, requests: int, seed: int) -> dict:
    """Round trips, one request at a time, the three kinds interleaved so that they share
    the machine's conditions (other load on 2 cores moves all of them alike)."""
    rng = random.Random(seed)
    lines = text.split("\n")
    uri = server.open("big.py", text)
    warmup = 100

    def cursor() -> dict:
        line, col = random_position(rng, lines[:-1])
        return lsp_range(line, col, line, col)

    def selection() -> dict:
        l1 = rng.randrange(len(lines) - 1)
        l2 = min(len(lines) - 2, l1 + rng.randint(0, 20))
        (l1, c1), (l2, c2) = sorted([random_position(rng, lines, l1), random_position(rng, lines, l2)])
        # Never empty, nor one character (a line break on an empty line, say): the server
        # takes both as a cursor, as Helix sends its cursor as one character.
        if (l1, c1) == (l2, c2) or (l1 + 1 == l2 and c2 == 0 and not lines[l1][c1:]):
            l1, c1, l2, c2 = l1, 0, l1 + 2, 0
        elif l1 == l2 and c2 - c1 == 1:
            c1 = 0 if c1 else c1
            c2 = max(c2, utf16_len(lines[l1]))
            if c2 - c1 <= 1:
                l1, c1, l2, c2 = l1, 0, l1 + 2, 0
        return lsp_range(l1, c1, l2, c2)

    times: dict[str, list[float]] = {"floor_unknown_method": [], "cursor": [], "selection": []}
    checked = 0
    for i in range(warmup + requests):
        for kind in times:
            if kind == "floor_unknown_method":
                # MethodNotFound: framing, dispatch, the runtime's stdio and this client.
                sent = None
                id_, message = server.request_message("bench/unknownMethod", {})
            else:
                sent = cursor() if kind == "cursor" else selection()
                id_, message = server.request_message(
                    "textDocument/codeAction", code_action_params(uri, sent)
                )
            t0 = time.perf_counter()
            server.send(message)
            reply = server.wait_response(id_)
            t1 = time.perf_counter()
            if i >= warmup:
                times[kind].append(t1 - t0)
            if sent is None:
                if "error" not in reply:
                    raise ServerError(f"an unknown method was answered: {reply}")
                continue
            target = action_target(reply)
            if kind == "cursor":
                right = cursor_range_ok(sent, target["range"])
            else:
                right = target["range"] == sent
            if not right or target["version"] != 1:
                raise ServerError(f"{kind} codeAction at {sent}: got {target}")
            checked += 1
    # The same requests pipelined: the server's own cost per request (µs, mean).
    per_request, cpu_per_request = {}, {}
    for kind in times:
        messages = []
        for _ in range(requests):
            if kind == "floor_unknown_method":
                messages.append(server.request_message("bench/unknownMethod", {})[1])
            else:
                sent = cursor() if kind == "cursor" else selection()
                messages.append(
                    server.request_message("textDocument/codeAction", code_action_params(uri, sent))[1]
                )
        wall, cpu = pipelined(server, messages)
        per_request[kind] = round(wall / requests * 1e6, 1)
        cpu_per_request[kind] = round(cpu / requests * 1e6, 1)
    # The worst place for a cursor: the module-level `if __name__` line at the end of the
    # file (the enclosing-block search walks up towards the first line).
    main_line = max(i for i, l in enumerate(lines) if l.startswith("if __name__"))
    worst, worst_messages = [], []
    for i in range(warmup + requests // 10):
        col = utf16_col(lines[main_line], rng.randint(0, len(lines[main_line])))
        sent = lsp_range(main_line, col, main_line, col)
        id_, message = server.request_message("textDocument/codeAction", code_action_params(uri, sent))
        t0 = time.perf_counter()
        server.send(message)
        reply = server.wait_response(id_)
        t1 = time.perf_counter()
        if i >= warmup:
            times.setdefault("cursor_worst_eof", []).append(t1 - t0)
        if not cursor_range_ok(sent, action_target(reply)["range"]):
            raise ServerError(f"cursor codeAction at {sent}: got {action_target(reply)}")
        worst_messages.append(
            server.request_message("textDocument/codeAction", code_action_params(uri, sent))[1]
        )
    wall, cpu = pipelined(server, worst_messages)
    per_request["cursor_worst_eof"] = round(wall / len(worst_messages) * 1e6, 1)
    cpu_per_request["cursor_worst_eof"] = round(cpu / len(worst_messages) * 1e6, 1)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return {
        "worst_line": main_line,
        "pipelined_us_per_request": per_request,
        "server_cpu_us_per_request": cpu_per_request,
        "file_lines": len(lines) - 1,
        "file_bytes": len(text.encode()),
        **{kind: summary_us(t) for kind, t in times.items()},
        "warmup_per_kind": warmup,
        "replies_checked": checked,
    }


def make_edits(lines: list[str], count: int, seed: int) -> tuple[list[dict], list[str]]:
    """`count` didChange notifications typed at random places, applied to `lines` (a
    client-side copy of the document, one entry per rope line) as they are made."""
    rng = random.Random(seed)
    typed = ["é", "漢", "🚀", "é", "漢", "🚀", "x", " ", "é漢🚀", "café", "漢字", "🚀🚀"]
    changes = []
    for _ in range(count):
        line = rng.randrange(len(lines))
        text = lines[line]
        r = rng.random()
        if r < 0.72:  # type a character (or a short burst: autocomplete, IME commit)
            at = rng.randint(0, len(text))
            col = utf16_col(text, at)
            insert = rng.choice(typed)
            change = {"range": lsp_range(line, col, line, col), "text": insert}
            lines[line] = text[:at] + insert + text[at:]
        elif r < 0.90:  # backspace: one code point, or join with the line above
            at = rng.randint(0, len(text))
            if at > 0:
                change = {
                    "range": lsp_range(line, utf16_col(text, at - 1), line, utf16_col(text, at)),
                    "text": "",
                }
                lines[line] = text[: at - 1] + text[at:]
            elif line > 0:
                above = lines[line - 1]
                change = {"range": lsp_range(line - 1, utf16_len(above), line, 0), "text": ""}
                lines[line - 1 : line + 1] = [above + text]
            else:
                change = {"range": lsp_range(0, 0, 0, 0), "text": "é"}
                lines[0] = "é" + text
        elif r < 0.97:  # enter, with the line's indentation
            at = rng.randint(0, len(text))
            indent = text[: len(text) - len(text.lstrip(" "))]
            col = utf16_col(text, at)
            insert = "\n" + indent
            change = {"range": lsp_range(line, col, line, col), "text": insert}
            lines[line : line + 1] = [text[:at], indent + text[at:]]
        else:  # replace a selection within the line
            a = rng.randint(0, len(text))
            b = rng.randint(a, min(len(text), a + 6))
            insert = rng.choice(typed)
            change = {
                "range": lsp_range(line, utf16_col(text, a), line, utf16_col(text, b)),
                "text": insert,
            }
            lines[line] = text[:a] + insert + text[b:]
        changes.append(change)
    return changes, lines


def bench_edits(server: Server, text: str, count: int, seed: int) -> dict:
    lines = text.split("\n")
    uri = server.open("typed.py", text, version=1)
    # A round trip so the open has landed before the clock starts.
    action_target(server.request("textDocument/codeAction", code_action_params(uri, lsp_range(0, 0, 0, 1))))
    warnings_before = len(server.warnings())

    changes, lines = make_edits(lines, count, seed)
    last_version = 1 + count
    blob = bytearray()
    for k, change in enumerate(changes):
        blob += frame(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": 2 + k},
                    "contentChanges": [change],
                },
            }
        )
    # The proof that all were applied: a (cheap, non-empty) selection's code action, whose
    # arguments carry the document's version.
    proof_id, proof = server.request_message(
        "textDocument/codeAction", code_action_params(uri, lsp_range(0, 0, 0, 1))
    )
    blob += frame(proof)

    started = {}

    def writer() -> None:
        started["t0"] = time.perf_counter()
        server.write(bytes(blob))
        started["t_written"] = time.perf_counter()

    cpu0 = server.cpu_ns()
    server.writing = True
    thread = threading.Thread(target=writer)
    thread.start()
    reply = server.wait_response(proof_id, timeout=120)
    t_reply = time.perf_counter()
    cpu = (server.cpu_ns() - cpu0) / 1e9
    thread.join()
    server.writing = False
    for pending in server.pending_replies:
        server.send(pending)
    server.pending_replies.clear()

    elapsed = t_reply - started["t0"]
    target = action_target(reply)
    version_ok = target["version"] == last_version

    # Correctness: everything the server can tell about its text, against the client copy.
    time.sleep(0.2)  # let any asynchronous log message arrive
    server_warnings = server.warnings()[warnings_before:]
    mismatches = []
    for line, content in enumerate(lines):
        if content:
            # Past the line's end: clamped to it, so the reply carries the UTF-16 length.
            sent = lsp_range(line, 0, line, 1_000_000)
            expected = lsp_range(line, 0, line, utf16_len(content))
        else:
            sent = lsp_range(line, 0, line, 0)
            expected = None
        got = action_target(server.request("textDocument/codeAction", code_action_params(uri, sent)))
        right = got["range"] == expected if expected else cursor_range_ok(sent, got["range"])
        if not right or got["version"] != last_version:
            mismatches.append((line, got, expected, lines[got["range"]["start"]["line"]]))
    # A line past the end clamps onto the last line: the server holds no more lines.
    beyond = action_target(
        server.request("textDocument/codeAction", code_action_params(uri, lsp_range(len(lines), 0, len(lines), 0)))
    )
    last = len(lines) - 1
    if beyond["range"]["start"]["line"] != last:
        mismatches.append(("line count", beyond, last))
    # Cursors at sampled places come back as sent: the positions agree.
    rng = random.Random(seed + 1)
    for _ in range(300):
        line, col = random_position(rng, lines)
        got = action_target(
            server.request("textDocument/codeAction", code_action_params(uri, lsp_range(line, col, line, col)))
        )
        if not cursor_range_ok(lsp_range(line, col, line, col), got["range"]):
            mismatches.append(("cursor", line, got, lines[got["range"]["start"]["line"]]))
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return {
        "edits": count,
        "seconds": round(elapsed, 4),
        "edits_per_s": round(count / elapsed),
        "server_cpu_us_per_edit": round(cpu / count * 1e6, 2),
        "bytes_sent": len(blob),
        "client_write_done_s": round(started["t_written"] - started["t0"], 4),
        "last_version": last_version,
        "version_reported": target["version"],
        "version_ok": version_ok,
        "lines_after": len(lines),
        "lines_checked": len(lines),
        "mismatches": len(mismatches),
        "first_mismatches": [str(m)[:300] for m in mismatches[:3]],
        "warnings": server_warnings[:5],
        "warning_count": len(server_warnings),
    }


def bench_memory(binary: Path, workspace: Path, files: int, lines_per_file: int) -> dict:
    server = Server(binary, workspace)
    try:
        server.initialize()
        server.initialized()
        time.sleep(0.5)
        idle = server.rss_kb()
        text_bytes = 0
        for i in range(files):
            text = generate_python(lines_per_file, seed=1000 + i)
            text_bytes += len(text.encode())
            server.open(f"pkg/module_{i}.py", text)
        # A round trip on the last file: every didOpen before it has been applied.
        action_target(
            server.request(
                "textDocument/codeAction",
                code_action_params(server.uri(f"pkg/module_{files - 1}.py"), lsp_range(0, 0, 0, 1)),
            )
        )
        time.sleep(0.5)
        opened = server.rss_kb()
    finally:
        server.shutdown()
    mb = lambda kb: round(kb / 1024, 2)  # noqa: E731
    return {
        "idle_vmrss_mb": mb(idle["VmRSS"]),
        "idle_rss_anon_mb": mb(idle.get("RssAnon", 0)),
        "idle_rss_file_mb": mb(idle.get("RssFile", 0)),
        "idle_threads": idle.get("Threads"),
        "files": files,
        "lines_per_file": lines_per_file,
        "text_mb": round(text_bytes / 2**20, 2),
        "open_vmrss_mb": mb(opened["VmRSS"]),
        "open_rss_anon_mb": mb(opened.get("RssAnon", 0)),
        "open_vmhwm_mb": mb(opened["VmHWM"]),
        "open_over_text": round(opened["VmRSS"] * 1024 / text_bytes, 2),
        "growth_over_text": round((opened["VmRSS"] - idle["VmRSS"]) * 1024 / text_bytes, 2),
    }


# --------------------------------------------------------------------------------------
# A real workspace: files on disk before the server starts
# --------------------------------------------------------------------------------------


class ThreadSampler:
    """The server's highest thread count (/proc/PID/status) while it runs."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as status:
                    for line in status:
                        if line.startswith("Threads:"):
                            self.peak = max(self.peak, int(line.split()[1]))
            except OSError:
                return
            self.stop.wait(0.01)

    def finish(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def wait_diagnostics(server: Server, uris: set[str], timeout: float) -> float | None:
    """Seconds until `publishDiagnostics` came for every one of `uris` (None: timed out)."""
    t0 = time.perf_counter()
    deadline = t0 + timeout
    seen = {m["params"]["uri"] for m in server.notifications if m.get("method") == "textDocument/publishDiagnostics"}
    while not uris <= seen:
        try:
            message = server.read_message(deadline)
        except ServerError:
            return None
        server.dispatch(message)
        if message.get("method") == "textDocument/publishDiagnostics":
            seen.add(message["params"]["uri"])
    return time.perf_counter() - t0


def wait_index(server: Server, timeout: float) -> None:
    """Until the index build's progress ends (or `timeout`)."""
    deadline = time.perf_counter() + timeout

    def done() -> bool:
        return any(
            m.get("method") == "$/progress"
            and m["params"].get("token") == "multi-model-index"
            and m["params"]["value"].get("kind") == "end"
            for m in server.notifications
        )

    while not done():
        try:
            server.dispatch(server.read_message(deadline))
        except ServerError:
            return


def timed_answer(server: Server, uri: str) -> float:
    """Seconds from now to the reply to a cheap request (a selection's code action: no
    parse needed) — how long the server makes an editor wait after what was just sent."""
    t0 = time.perf_counter()
    action_target(server.request("textDocument/codeAction", code_action_params(uri, lsp_range(0, 0, 0, 1))))
    return time.perf_counter() - t0


def typing_code_actions(server: Server, uri: str, lines: list[str], rounds: int, seed: int) -> list[float]:
    """A cursor code action right after each keystroke (typed into `lines`, the client's
    copy), with pauses so that the debounced background work (offline pass, index update)
    runs while the next requests arrive."""
    rng = random.Random(seed)
    times = []
    version = 1
    for k in range(rounds):
        line = rng.randrange(len(lines) - 1)
        text = lines[line]
        at = rng.randint(0, len(text))
        col = utf16_col(text, at)
        insert = rng.choice(["é", "x", "漢", " "])
        lines[line] = text[:at] + insert + text[at:]
        version += 1
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": lsp_range(line, col, line, col), "text": insert}],
            },
        )
        cursor = lsp_range(line, col, line, col)
        t0 = time.perf_counter()
        action_target(server.request("textDocument/codeAction", code_action_params(uri, cursor)))
        times.append(time.perf_counter() - t0)
        time.sleep(0.32 if k % 20 == 19 else 0.015)
    return times


def bench_workspace(binary: Path, mode: str, args) -> dict:
    """One run of the real-workspace scenario: `on-disk` writes the 10k-line file and the
    200 files into the workspace before the server starts (so the index build reads and
    parses them), `empty` opens the same texts in an empty workspace."""
    big = generate_python(args.lines, args.seed)
    small = [generate_python(args.file_lines, seed=1000 + i) for i in range(args.files)]
    mb = lambda kb: round(kb / 1024, 2)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="lsp-ws-") as tmp:
        workspace = Path(tmp)
        if mode == "on-disk":
            (workspace / "pkg").mkdir()
            (workspace / "big.py").write_text(big)
            for i, text in enumerate(small):
                (workspace / "pkg" / f"module_{i}.py").write_text(text)
        spawns = []
        for _ in range(5):
            probe = Server(binary, workspace)
            try:
                spawns.append(probe.initialize()[1])
            finally:
                probe.shutdown()
        server = Server(binary, workspace)
        sampler = ThreadSampler(server.proc.pid)
        out: dict = {"mode": mode, "spawn_initialize_ms": round(statistics.median(spawns) * 1e3, 2)}
        try:
            server.initialize()
            server.initialized()
            if mode == "on-disk":
                wait_index(server, 60)
            time.sleep(0.5)
            status = server.rss_kb()
            out["rss_initialized_mb"] = mb(status["VmRSS"])
            out["anon_initialized_mb"] = mb(status.get("RssAnon", 0))
            out["threads_initialized"] = status.get("Threads")

            big_uri = server.open("big.py", big)
            out["open_big_answer_ms"] = round(timed_answer(server, big_uri) * 1e3, 2)
            settled = wait_diagnostics(server, {big_uri}, 30)
            out["big_findings_s"] = None if settled is None else round(settled, 3)
            time.sleep(0.5)
            status = server.rss_kb()
            out["rss_big_mb"] = mb(status["VmRSS"])
            out["anon_big_mb"] = mb(status.get("RssAnon", 0))

            t0 = time.perf_counter()
            uris = {server.open(f"pkg/module_{i}.py", text) for i, text in enumerate(small)}
            last = server.uri(f"pkg/module_{args.files - 1}.py")
            action_target(server.request("textDocument/codeAction", code_action_params(last, lsp_range(0, 0, 0, 1))))
            out["open_files_answer_ms"] = round((time.perf_counter() - t0) * 1e3, 2)
            settled = wait_diagnostics(server, uris, 120)
            out["files_findings_s"] = None if settled is None else round(time.perf_counter() - t0, 3)
            time.sleep(1.0)
            status = server.rss_kb()
            out["rss_files_mb"] = mb(status["VmRSS"])
            out["anon_files_mb"] = mb(status.get("RssAnon", 0))
            out["hwm_files_mb"] = mb(status["VmHWM"])
            out["threads_files"] = status.get("Threads")
            out["threads_peak"] = sampler.peak

            times = typing_code_actions(server, big_uri, big.split("\n"), args.typing_rounds, args.seed)
            out["typing_code_action_p50_ms"] = round(percentile([t * 1e3 for t in times], 50), 3)
            out["typing_code_action_p99_ms"] = round(percentile([t * 1e3 for t in times], 99), 3)

            edits = bench_edits(server, big, args.edits, args.seed)
            out["edits_per_s"] = edits["edits_per_s"]
            out["edits_text_exact"] = edits["version_ok"] and edits["mismatches"] == 0 and edits["warning_count"] == 0
            out["rss_end_mb"] = mb(server.rss_kb()["VmRSS"])
        finally:
            out["threads_peak"] = sampler.finish()
            server.shutdown()
    return out


WORKSPACE_ROWS = [
    ("spawn -> initialize (ms)", "spawn_initialize_ms"),
    ("RSS after initialize (MiB)", "rss_initialized_mb"),
    ("  RssAnon", "anon_initialized_mb"),
    ("+ the 10k-line file (MiB)", "rss_big_mb"),
    ("+ 200 files open (MiB)", "rss_files_mb"),
    ("  RssAnon", "anon_files_mb"),
    ("  VmHWM (peak)", "hwm_files_mb"),
    ("threads after initialize", "threads_initialized"),
    ("threads after opening 200 files", "threads_files"),
    ("threads, peak", "threads_peak"),
    ("open 10k-line file -> next answer (ms)", "open_big_answer_ms"),
    ("  -> its findings (s)", "big_findings_s"),
    ("open 200 files -> next answer (ms)", "open_files_answer_ms"),
    ("  -> all their findings (s)", "files_findings_s"),
    ("edits/s, 5,000 non-ASCII edits", "edits_per_s"),
    ("  text exact after the edits", "edits_text_exact"),
    ("code action right after typing p50 (ms)", "typing_code_action_p50_ms"),
    ("code action right after typing p99 (ms)", "typing_code_action_p99_ms"),
    ("RSS at the end (MiB)", "rss_end_mb"),
]


def median_of(runs: list[dict], key: str):
    values = [r.get(key) for r in runs]
    if any(isinstance(v, bool) for v in values):
        return all(values)
    numbers = [v for v in values if isinstance(v, (int, float))]
    if len(numbers) < len(values):
        return None
    return round(statistics.median(numbers), 3)


def workspace_main(args) -> int:
    modes = ["on-disk", "empty"] if args.workspace == "both" else [args.workspace]
    results = {}
    load_before = [round(x, 2) for x in os.getloadavg()]
    for mode in modes:
        runs = []
        for r in range(args.runs):
            runs.append(bench_workspace(args.binary, mode, args))
            print(f"# {mode} run {r + 1}: {json.dumps(runs[-1])}", file=sys.stderr)
        results[mode] = {"runs": runs, "median": {key: median_of(runs, key) for _, key in WORKSPACE_ROWS}}
    load_after = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps({"load": [load_before, load_after], **results}, indent=2, ensure_ascii=False))
        return 0
    print(f"median of {args.runs} runs; {os.cpu_count()} CPUs, load {load_before} -> {load_after}")
    print(f"{'':42}" + "".join(f"{mode:>12}" for mode in modes))
    for label, key in WORKSPACE_ROWS:
        print(f"{label:42}" + "".join(f"{str(results[mode]['median'][key]):>12}" for mode in modes))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--spawns", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="code actions per kind")
    parser.add_argument("--edits", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--file-lines", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--workspace",
        choices=["on-disk", "empty", "both"],
        help="run the real-workspace scenario instead (files on disk before the start, or not)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of the workspace scenario (medians)")
    parser.add_argument("--typing-rounds", type=int, default=200)
    args = parser.parse_args()

    if not args.binary.is_file():
        sys.exit(f"{args.binary} not found: run `cargo build --release` first")
    if args.workspace:
        return workspace_main(args)
    newest_src = max(p.stat().st_mtime for p in (ROOT / "src").rglob("*.rs"))
    stale = newest_src > args.binary.stat().st_mtime

    text = generate_python(args.lines, args.seed)
    figures: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "binary": str(args.binary),
            "binary_older_than_src": stale,
        }
    }
    with tempfile.TemporaryDirectory(prefix="lsp-bench-") as tmp:
        workspace = Path(tmp)
        figures["client_floor_cat_echo"] = bench_client_floor(workspace, args.requests)
        figures["spawn_initialize"] = bench_spawn(args.binary, workspace, args.spawns)
        figures["memory"] = bench_memory(args.binary, workspace, args.files, args.file_lines)
        server = Server(args.binary, workspace)
        try:
            server.initialize()
            server.initialized()
            figures["code_action"] = bench_code_actions(server, text, args.requests, args.seed)
            figures["edits"] = bench_edits(server, text, args.edits, args.seed)
            figures["rss_after_edits_mb"] = round(server.rss_kb()["VmRSS"] / 1024, 2)
        finally:
            server.shutdown()
    figures["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]

    ca, ed, mem, sp = figures["code_action"], figures["edits"], figures["memory"], figures["spawn_initialize"]
    verdicts = {
        "code action p50 (cursor) < 200 µs": ca["cursor"]["p50_us"] < GOALS["code_action_p50_us"],
        "code action p99 (cursor) < 1 ms": ca["cursor"]["p99_us"] < GOALS["code_action_p99_us"],
        "code action p50 (cursor at the end-of-file `if __name__`) < 200 µs": ca["cursor_worst_eof"]["p50_us"]
        < GOALS["code_action_p50_us"],
        "code action p50 (selection) < 200 µs": ca["selection"]["p50_us"] < GOALS["code_action_p50_us"],
        "code action p99 (selection) < 1 ms": ca["selection"]["p99_us"] < GOALS["code_action_p99_us"],
        "edits ≥ 20,000/s": ed["edits_per_s"] >= GOALS["edits_per_s"],
        "edits all applied, text identical, no warning": ed["version_ok"]
        and ed["mismatches"] == 0
        and ed["warning_count"] == 0,
        "idle RSS < 15 MB": mem["idle_vmrss_mb"] < GOALS["idle_rss_mb"],
        f"RSS with {mem['files']} files open < 100 MB": mem["open_vmrss_mb"] < GOALS["open_rss_mb"],
    }
    figures["verdicts"] = verdicts

    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
        return 0

    m = figures["machine"]
    print(f"machine: {m['cpus']} CPUs, load {m['loadavg_before']} -> {m['loadavg_after']}; binary {m['binary']}"
          + ("  (WARNING: older than src/)" if stale else ""))
    print(f"spawn -> initialize reply: median {sp['median_ms']} ms over {sp['spawns']} spawns "
          f"(min {sp['min_ms']}, max {sp['max_ms']})")
    print(f"codeAction on a {ca['file_lines']}-line file ({ca['file_bytes'] / 1024:.0f} KiB), "
          f"{ca['cursor']['n']} requests each after {ca['warmup_per_kind']} warm-up, µs:")
    for kind, s in [("client_floor_cat_echo", figures["client_floor_cat_echo"])] + [
        (k, ca[k]) for k in ("floor_unknown_method", "cursor", "selection", "cursor_worst_eof")
    ]:
        print(f"  {kind:22} p50 {s['p50_us']:8.1f}  p90 {s['p90_us']:8.1f}  p99 {s['p99_us']:8.1f}  "
              f"max {s['max_us']:8.1f}  mean {s['mean_us']:8.1f}")
    pl, cpu = ca["pipelined_us_per_request"], ca["server_cpu_us_per_request"]
    print(f"  pipelined ({ca['cursor']['n']} back-to-back), µs per request, wall / server CPU: "
          + ", ".join(f"{k} {pl[k]} / {cpu[k]}" for k in pl))
    print(f"edits: {ed['edits']} didChange back-to-back ({ed['bytes_sent'] / 1024:.0f} KiB) in {ed['seconds']} s "
          f"= {ed['edits_per_s']} edits/s (client done writing after {ed['client_write_done_s']} s; "
          f"server CPU {ed['server_cpu_us_per_edit']} µs per edit)")
    print(f"  version {ed['version_reported']} (expected {ed['last_version']}); {ed['lines_checked']} lines "
          f"checked, {ed['mismatches']} mismatches; {ed['warning_count']} warnings {ed['warnings']}")
    for mismatch in ed["first_mismatches"]:
        print(f"  mismatch: {mismatch}")
    print(f"memory: idle VmRSS {mem['idle_vmrss_mb']} MB (anon {mem['idle_rss_anon_mb']}, file "
          f"{mem['idle_rss_file_mb']}, {mem['idle_threads']} threads); {mem['files']} files x "
          f"{mem['lines_per_file']} lines = {mem['text_mb']} MB of text -> VmRSS {mem['open_vmrss_mb']} MB "
          f"(anon {mem['open_rss_anon_mb']}, peak {mem['open_vmhwm_mb']}) = {mem['open_over_text']}x the text "
          f"({mem['growth_over_text']}x counting only the growth)")
    print(f"  VmRSS after the edit run (one 10k-line doc + edits, others closed): {figures['rss_after_edits_mb']} MB")
    for goal, ok in verdicts.items():
        print(f"  {'ok  ' if ok else 'MISS'} {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
