#!/usr/bin/env bash
# Runs the OpenAI-compatible provider against a real llama-cpp-python server (SmolLM2-135M)
# on 127.0.0.1. Not run by CI: the first install builds llama.cpp (several minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/real_server
export PORT="${PORT:-8088}"
export LLAMA_SERVER_ARGS="--model_alias smollm2 --verbose False"
trap '"$here/stop_llama_server.sh" >/dev/null 2>&1 || true' EXIT
eval "$("$here/start_llama_server.sh")"
MM_REAL_BASE_URL="$BASE_URL" MM_REAL_MODEL="$MODEL_ID" \
  cargo test --locked --test real_server -- --ignored --nocapture --test-threads 1
