#!/usr/bin/env bash
# Stop the server started by start_llama_server.sh (PID from the pid file).
set -euo pipefail

PIDFILE="${PIDFILE:-/tmp/llama_server.pid}"

if [ ! -f "$PIDFILE" ]; then
  echo "[stop_llama_server] no pid file at $PIDFILE; nothing to stop" >&2
  exit 0
fi

PID="$(cat "$PIDFILE")"
if ! kill -0 "$PID" 2>/dev/null; then
  echo "[stop_llama_server] pid $PID not running" >&2
  rm -f "$PIDFILE"
  exit 0
fi

# Only kill it if it really is our llama_cpp.server process.
if ! tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q 'llama_cpp.server'; then
  echo "[stop_llama_server] pid $PID is not llama_cpp.server; not killing it" >&2
  rm -f "$PIDFILE"
  exit 1
fi

kill "$PID"
for _ in $(seq 1 20); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$PID" 2>/dev/null; then
  echo "[stop_llama_server] pid $PID still alive after 10s; sending SIGKILL" >&2
  kill -9 "$PID" 2>/dev/null || true
fi
rm -f "$PIDFILE"
echo "[stop_llama_server] stopped pid $PID" >&2
