#!/usr/bin/env bash
# `make run`: the demo on the embedded PostgreSQL server (data in var/pg), served on
# http://127.0.0.1:${PORT:-8000}/.
#
# Starts the embedded server, migrates, collects static files, seeds the demo (idempotent),
# starts the web server with its log in var/log/server.log (so that nothing scrolls the logins
# away), waits until it answers HTTP, then prints one line saying the demo is ready and, last,
# the box with the URL, the demo logins and the partner credentials (`manage.py demo_logins`).
# Ctrl-C (or TERM) stops the web server and then the embedded PostgreSQL server, cleanly.
# Running it again reuses var/ (no new cluster; seeding changes nothing it already did).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY="${PY:-.venv/bin/python}"
HOST=127.0.0.1
PORT="${PORT:-8000}"
URL="http://$HOST:$PORT"
VAR_DIR="${TIMEBACK_VAR_DIR:-var}"
LOG_DIR="$VAR_DIR/log"
SERVER_LOG="$LOG_DIR/server.log"
export PYTHONUNBUFFERED=1

if [[ -n ${DATABASE_URL:-} ]]; then
    echo "make run: DATABASE_URL is set: the demo uses that server, not the embedded one" >&2
fi

server_pid=""
stopping=0
stop_all() {
    [[ $stopping -eq 0 ]] || return 0
    stopping=1
    trap '' INT TERM # a second Ctrl-C must not cut the clean stop short
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        echo "Stopping the web server..." >&2
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -z ${DATABASE_URL:-} ]]; then
        "$PY" -m timeback.embedded_pg stop || true
    fi
}
trap stop_all EXIT
trap 'exit 0' INT  # Ctrl-C is how the demo is meant to stop: a success
trap 'exit 143' TERM

port_open() { (exec 9<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
if port_open "$PORT"; then
    echo "make run: $HOST:$PORT is already in use (another demo?); try: make run PORT=8001" >&2
    exit 1
fi

mkdir -p "$LOG_DIR"
if [[ -z ${DATABASE_URL:-} ]]; then
    "$PY" -m timeback.embedded_pg start >/dev/null
fi
# migrate, collectstatic and seed_demo in one process: each Python + Django start costs
# 1.5 s of CPU (5 s of wall time on a loaded machine), which a re-run would pay three times.
# The demo's one "ready" line is printed below, once the server answers.
"$PY" - <<'EOF'
import os

import django
from django.core.management import call_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")
django.setup()
call_command("migrate", interactive=False)
call_command("collectstatic", interactive=False, verbosity=0)
call_command("seed_demo")
EOF

echo "Starting the web server on $URL (log: $SERVER_LOG)"
"$PY" manage.py runserver --noreload "$HOST:$PORT" >>"$SERVER_LOG" 2>&1 &
server_pid=$!

# Ready means the server answers HTTP, not merely that its process exists.
"$PY" - "$URL/" "$server_pid" <<'EOF' || { tail -n 30 "$SERVER_LOG" >&2; exit 1; }
import os, sys, time, urllib.error, urllib.request

url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(url, timeout=5).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)  # any HTTP status: the server answers
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit("make run: the web server exited")
        time.sleep(0.2)
sys.exit("make run: the web server did not answer within 120 s")
EOF

echo
echo "Timeback demo is ready: $URL/  (Ctrl-C stops it)"
# Last on screen: the URL, the logins and the partner credentials (the server logs to a file).
"$PY" manage.py demo_logins --url "$URL"

wait "$server_pid"
