#!/usr/bin/env python3
"""Scripted benchmark of inline completion (`textDocument/inlineCompletion`), end to end.

The release server on stdio, a workspace on disk with a generated 10,000-line Python file
(indexed at start), and a local FIM test server on 127.0.0.1 speaking Ollama's
`/api/generate` (NDJSON) that answers in `--model-ms` (20 ms) — so every figure below is the
server's own cost, measured from outside. Prints, per run and as medians of `--runs`:

  1. server_own_p50_ms / server_own_p99_ms — the server's own time per request on the
     10,000-line file (debounce 0), as the server logs it: request in -> answer out, minus
     the pause for typing and the model call (sent -> last byte), over requests at distinct
     places (no cache hits); own_p50_ms / own_p99_ms — the same seen from outside: round
     trip minus the model's time as the test server saw it (request in -> last byte out),
     so it includes this client's and the test server's own overhead;
     floor_p50_ms / floor_p99_ms — beside it, a request for an unknown method: this
     client, the framing and the dispatch, which every request pays;
  2. cancel_p50_ms / cancel_p99_ms — a new keystroke's request sent -> the older call's
     connection closed, as the test server sees the hang-up (it polls the socket every
     0.2 ms), over 30 rounds;
  3. cache_hit_p50_ms / cache_hit_p99_ms — the same place asked again: round trip;
  4. burst_model_calls — 10 keystrokes 30 ms apart, each with its request (debounce
     150 ms): the model calls they cost;
  5. last_key_to_suggestion_ms — that burst's last keystroke -> its suggestion, and the
     same minus the debounce (goal: at most 30 ms over it); own_after_pause_ms, that minus
     the model's time: what the server adds once typing pauses (it makes the prompt while
     the debounce waits, so with a debounce this is less than own_p50_ms, which is
     measured with none).

Not a test: nothing here asserts a time. Usage (from the repository root):

    cargo build --release && python3 benches/inline_completion.py [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import socket
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_scripted import DEFAULT_BINARY, Server, generate_python, percentile  # noqa: E402

CANCEL_ROUNDS = 30

GOALS = {
    "server_own_p99_ms": 2.0,
    "cancel_p50_ms": 1.0,
    "cache_hit_p99_ms": 0.5,
    "burst_model_calls": 2,
    "last_key_over_debounce_ms": 30.0,
}


class FimServer:
    """Ollama's `/api/generate`, answering after `delay` s; with `stall`, it sends one line
    and then holds the connection, noting when the client hangs up."""

    def __init__(self, delay: float):
        self.delay = delay
        self.stall = False
        self.calls: list[tuple[float, float]] = []  # (request in, last byte out)
        self.hung_up: list[float] = []
        self.stalled: list[float] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # As real model servers do (Go's net/http sets it by default): without it
                # Nagle's algorithm holds the last small write until the client's delayed
                # ACK, some 40 ms, which would be charged to the server under test.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                arrived = time.perf_counter()
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                stall = outer.stall
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if stall:
                    with outer.lock:
                        outer.stalled.append(arrived)
                    self.chunk({"model": body["model"], "response": "wa", "done": False})
                    outer.watch_hang_up(self.connection)
                    return
                time.sleep(outer.delay)
                self.chunk({"model": body["model"], "response": "value + 1", "done": False})
                # Noted before the last bytes go: the client may answer as soon as they do.
                with outer.lock:
                    outer.calls.append((arrived, time.perf_counter()))
                self.chunk({"model": body["model"], "response": "\n", "done": True,
                            "done_reason": "stop", "prompt_eval_count": 100, "eval_count": 5})
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def chunk(self, line: dict):
                data = (json.dumps(line) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def watch_hang_up(self, connection: socket.socket) -> None:
        while True:
            ready, _, _ = select.select([connection], [], [], 0.0002)
            if ready:
                try:
                    if connection.recv(1, socket.MSG_PEEK) == b"":
                        break
                except OSError:
                    break
        with self.lock:
            self.hung_up.append(time.perf_counter())

    def count(self) -> int:
        with self.lock:
            return len(self.calls)

    def close(self) -> None:
        self.http.shutdown()


def workspace(root: Path, fim: FimServer, debounce_ms: int, text: str) -> None:
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "multi_model.yaml").write_text(
        "agents:\n"
        f"  hephaestus: {{ model: \"qwen2.5-coder:1.5b\", provider: ollama, api_base: \"{fim.url}\", fallback: [] }}\n"
        "performance:\n  track_metrics: false\n"
        "review:\n  offline: false\n"
        f"completion:\n  debounce_ms: {debounce_ms}\n"
    )
    (root / "big.py").write_text(text)


def start(binary: Path, root: Path) -> Server:
    # The server logs its own time per answered request at debug level.
    os.environ["MULTI_MODEL_LOG"] = "multi_model::lsp::completions=debug"
    server = Server(binary, root)
    caps = {"textDocument": {"inlineCompletion": {}}}
    server.request(
        "initialize",
        {"processId": None, "rootUri": root.as_uri(),
         "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}], "capabilities": caps},
    )
    server.notify("initialized", {})
    return server


def ask(server: Server, uri: str, line: int, character: int) -> tuple[int, dict]:
    id_, message = server.request_message(
        "textDocument/inlineCompletion",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character},
         "context": {"triggerKind": 2}},
    )
    server.send(message)
    return id_, message


def insert(server: Server, uri: str, version: int, line: int, character: int, text: str) -> None:
    at = {"line": line, "character": character}
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version},
         "contentChanges": [{"range": {"start": at, "end": at}, "text": text}]},
    )


def server_own_ms(server: Server) -> list[float]:
    """The server's own time per answered request, as it logged it (in order)."""
    found = []
    for message in server.notifications:
        if message.get("method") != "window/logMessage":
            continue
        match = re.search(r"inline completion answered.*own_us=(\d+)", message["params"]["message"])
        if match:
            found.append(int(match.group(1)) / 1000)
    return found


def one_run(binary: Path, places: int) -> dict:
    text = generate_python(10_000, seed=7)
    lines = text.split("\n")
    # Blank-ended lines inside bodies: the ends of non-empty lines, spread over the file.
    candidates = [i for i, l in enumerate(lines) if l.strip() and not l.lstrip().startswith(("#", '"'))]
    step = max(1, len(candidates) // places)
    spots = [(i, len(lines[i])) for i in candidates[::step]][:places]
    result: dict = {}
    fim = FimServer(delay=0.020)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workspace(root, fim, 0, text)
        server = start(binary, root)
        try:
            uri = server.open("big.py", text)
            # The first answer waits for the parse and the index: not counted.
            id_, _ = ask(server, uri, *spots[0])
            server.wait_response(id_)
            own, cache = [], []
            for line, character in spots[1:]:
                before = fim.count()
                sent = time.perf_counter()
                id_, _ = ask(server, uri, line, character)
                server.wait_response(id_)
                took = time.perf_counter() - sent
                if fim.count() == before + 1:
                    arrived, done = fim.calls[-1]
                    own.append(took - (done - arrived))
                sent = time.perf_counter()
                id_, _ = ask(server, uri, line, character)
                server.wait_response(id_)
                cache.append(time.perf_counter() - sent)
            floor = []
            for _ in range(len(spots)):
                sent = time.perf_counter()
                server.request("bench/unknownMethod", {})
                floor.append(time.perf_counter() - sent)
            result["floor_p50_ms"] = percentile(floor, 50) * 1000
            result["floor_p99_ms"] = percentile(floor, 99) * 1000
            logged = server_own_ms(server)[1:]
            result["server_own_p50_ms"] = percentile(logged, 50)
            result["server_own_p99_ms"] = percentile(logged, 99)
            result["own_p50_ms"] = percentile(own, 50) * 1000
            result["own_p99_ms"] = percentile(own, 99) * 1000
            result["cache_hit_p50_ms"] = percentile(cache, 50) * 1000
            result["cache_hit_p99_ms"] = percentile(cache, 99) * 1000

            # A stalled call, then a keystroke at its place: how soon its stream is closed.
            cancels = []
            version = 2
            for line, _ in spots[1:CANCEL_ROUNDS + 1]:
                fim.stall = True
                stalled, hung_up = len(fim.stalled), len(fim.hung_up)
                first, _ = ask(server, uri, line + 1, 0)
                deadline = time.perf_counter() + 5
                while len(fim.stalled) == stalled and time.perf_counter() < deadline:
                    time.sleep(0.0005)
                fim.stall = False
                insert(server, uri, version, line + 1, 0, "#")
                version += 1
                sent = time.perf_counter()
                id_, _ = ask(server, uri, line + 1, 1)
                while len(fim.hung_up) == hung_up and time.perf_counter() < deadline:
                    time.sleep(0.0002)
                if len(fim.hung_up) > hung_up:
                    cancels.append(fim.hung_up[-1] - sent)
                server.wait_response(first)
                server.wait_response(id_)
            result["cancel_p50_ms"] = percentile(cancels, 50) * 1000
            result["cancel_p99_ms"] = percentile(cancels, 99) * 1000
        finally:
            server.shutdown()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        debounce = 150
        workspace(root, fim, debounce, text)
        server = start(binary, root)
        try:
            uri = server.open("big.py", text)
            line, character = spots[len(spots) // 2]
            id_, _ = ask(server, uri, line, character)
            server.wait_response(id_)
            before = fim.count()
            version, ids = 3, []
            for i, ch in enumerate("total = 1"):
                if i == 9:
                    break
                insert(server, uri, version, line, character + i, ch)
                version += 1
                last = time.perf_counter()
                ids.append(ask(server, uri, line, character + i + 1)[0])
                time.sleep(0.030)
            for id_ in ids[:-1]:
                server.wait_response(id_)
            server.wait_response(ids[-1])
            result["last_key_to_suggestion_ms"] = (time.perf_counter() - last) * 1000
            result["last_key_over_debounce_ms"] = result["last_key_to_suggestion_ms"] - debounce
            result["burst_model_calls"] = fim.count() - before
            result["server_own_after_pause_ms"] = server_own_ms(server)[-1]
            arrived, done = fim.calls[-1]
            result["own_after_pause_ms"] = result["last_key_over_debounce_ms"] - (done - arrived) * 1000
        finally:
            server.shutdown()
    fim.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [one_run(args.binary, args.places) for _ in range(args.runs)]
    keys = list(runs[0])
    medians = {
        key: statistics.median(r[key] for r in runs if r.get(key) is not None)
        for key in keys
        if any(r.get(key) is not None for r in runs)
    }
    if args.json:
        print(json.dumps({"runs": runs, "median": medians, "goals": GOALS}, indent=2))
        return 0
    print(f"inline completion, median of {args.runs} runs (model answers in 20 ms):")
    for key, value in medians.items():
        goal = GOALS.get(key)
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        print(f"  {key:28} {shown:>10}" + (f"   goal {goal}" if goal is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
