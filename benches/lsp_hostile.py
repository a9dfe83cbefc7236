#!/usr/bin/env python3
"""Scripted figures for hostile input, end to end against the RELEASE binary:

  1. a 1 MB document of binary junk (NULs, U+FFFD, control bytes) open as Python: one
     keystroke (`didChange`) followed by a cursor `codeAction`, round trip, median of N;
  2. files nested 100,000 levels deep (unary minus, binary +, brackets, parentheses,
     calls) and 2,500 levels of indented blocks: `didOpen` + a cursor `codeAction` in the
     middle, then a Librarian job (no key: answered from the index, which includes the
     syntax context) to its progress end; each the median of N fresh servers.

The offline security pass is off (`review: {offline: false}`) so these figures are the
server's own work. Not a test: nothing here asserts a time. Usage (repository root):

    cargo build --release && python3 benches/lsp_hostile.py [--binary PATH] [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_scripted import DEFAULT_BINARY, Server, lsp_range  # noqa: E402

CONFIG = """agents:
  librarian: { model: "m", provider: openai, api_base: "http://127.0.0.1:9/v1", api_key_env: MULTI_MODEL_BENCH_UNSET_KEY, fallback: [] }
routing:
  enable_fallback: false
review:
  offline: false
"""


def junk(size: int = 1 << 20) -> str:
    rng = random.Random(7)
    return "".join(rng.choice("\0\0\0\ufffd\x01abcdefgh") for _ in range(size))


def nested(kind: str, n: int) -> str:
    return {
        "unary": lambda: "x = " + "-" * n + "1\n",
        "binary": lambda: "x = " + "'ab' + " * n + "'ab'\n",
        "brackets": lambda: "x = " + "[" * n + "]" * n + "\n",
        "parentheses": lambda: "x = " + "(" * n + "1" + ")" * n + "\n",
        "calls": lambda: "x = " + "f(" * n + "1" + ")" * n + "\n",
        "indentation": lambda: "".join(" " * d + "if x:\n" for d in range(n)) + " " * n + "pass\n",
    }[kind]()


def start(binary: Path, workspace: Path) -> Server:
    server = Server(binary, workspace)
    server.initialize()
    server.initialized()
    return server


def code_action(server: Server, uri: str, line: int, character: int) -> dict:
    params = {
        "textDocument": {"uri": uri},
        "range": lsp_range(line, character, line, character),
        "context": {"diagnostics": []},
    }
    return server.request("textDocument/codeAction", params, timeout=120)


def bench_junk(binary: Path, runs: int) -> float:
    with tempfile.TemporaryDirectory() as ws:
        (Path(ws) / "config").mkdir()
        (Path(ws) / "config" / "multi_model.yaml").write_text(CONFIG)
        server = start(binary, Path(ws))
        uri = server.open("app.py", junk())
        code_action(server, uri, 0, 0)
        times = []
        for version in range(2, runs + 2):
            t = time.perf_counter()
            server.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": lsp_range(0, 0, 0, 0), "text": "x"}],
                },
            )
            code_action(server, uri, 0, 1)
            times.append(time.perf_counter() - t)
        server.shutdown()
        return statistics.median(times)


def bench_deep(binary: Path, kind: str, runs: int) -> dict:
    levels = 2_500 if kind == "indentation" else 100_000
    text = nested(kind, levels)
    lines = text.splitlines()
    line = len(lines) // 2
    opened, librarian = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as ws:
            (Path(ws) / "config").mkdir()
            (Path(ws) / "config" / "multi_model.yaml").write_text(CONFIG)
            server = start(binary, Path(ws))
            t = time.perf_counter()
            uri = server.open("deep.py", text)
            code_action(server, uri, line, len(lines[line]) // 2)
            opened.append(time.perf_counter() - t)
            t = time.perf_counter()
            target = {"uri": uri, "range": lsp_range(0, 0, 0, 5), "version": 1, "task": "find x"}
            reply = server.request(
                "workspace/executeCommand",
                {"command": "multi-model.examples", "arguments": [target]},
                timeout=120,
            )
            token = reply["result"]["job"]
            deadline = time.perf_counter() + 120
            while not any(
                m.get("method") == "$/progress"
                and m["params"]["token"] == token
                and m["params"]["value"]["kind"] == "end"
                for m in server.notifications
            ):
                server.dispatch(server.read_message(deadline))
            librarian.append(time.perf_counter() - t)
            server.shutdown()
    return {
        "levels": levels,
        "open_and_code_action_ms": statistics.median(opened) * 1000,
        "librarian_context_ms": statistics.median(librarian) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=DEFAULT_BINARY)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--junk-runs", type=int, default=7)
    parser.add_argument("--only", choices=["junk", "deep"])
    args = parser.parse_args()
    if args.only != "deep":
        ms = bench_junk(args.binary, args.junk_runs) * 1000
        print(f"junk 1 MB: keystroke + code action, median of {args.junk_runs}: {ms:.1f} ms")
    if args.only != "junk":
        for kind in ["unary", "binary", "brackets", "parentheses", "calls", "indentation"]:
            figures = bench_deep(args.binary, kind, args.runs)
            print(
                f"{kind} ({figures['levels']} levels), median of {args.runs}: "
                f"open + code action {figures['open_and_code_action_ms']:.0f} ms, "
                f"Librarian job (context) {figures['librarian_context_ms']:.0f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
