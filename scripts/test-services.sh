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
# Both servers listen on 127.0.0.1 only, on non-default ports, with their data under
# ${TMPDIR:-/tmp}/timeback-test-services-$UID. Nothing of the system's own PostgreSQL or
# Redis service is used or started. Missing server binaries are installed with apt-get
# when running as root (or through passwordless sudo).
#
# Overrides (environment): TEST_PG_PORT (55432), TEST_REDIS_PORT (56379),
# TIMEBACK_SERVICES_DIR (data directory), PG_BIN (directory holding initdb and pg_ctl).
set -euo pipefail

# Everything written to stdout by this script or its children goes to stderr, except
# the export lines, written to fd 3 (the real stdout).
exec 3>&1 1>&2

PG_PORT="${TEST_PG_PORT:-55432}"
REDIS_PORT="${TEST_REDIS_PORT:-56379}"
PG_DB="timeback"
PG_SUPERUSER="postgres"
BASE_DIR="${TIMEBACK_SERVICES_DIR:-${TMPDIR:-/tmp}/timeback-test-services-$(id -u)}"
BASE_DIR="${BASE_DIR%/}"
PG_DIR="$BASE_DIR/pg"          # owned by the user the PostgreSQL server runs as
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/sock"
PG_LOG="$PG_DIR/postgres.log"
REDIS_DIR="$BASE_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

DATABASE_URL="postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/$PG_DB"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"

log() { printf 'test-services: %s\n' "$*" >&2; }
die() { printf 'test-services: ERROR: %s\n' "$*" >&2; exit 1; }

print_exports() {
    printf 'export DATABASE_URL=%q\n' "$DATABASE_URL" >&3
    printf 'export REDIS_URL=%q\n' "$REDIS_URL" >&3
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when $1 is the pid of a live (not zombie) process whose command name is $2.
# Checking the name guards against pid files left over from before a reboot.
pid_is() {
    local pid="$1" name="$2" comm stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
    [[ $comm == "$name"* ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }" # the state letter follows "pid (comm) "
    [[ ${stat:0:1} != [ZX] ]]
}

# Runs "$@" (a command or a function) with every file descriptor above 2 closed, so that
# the daemons it starts hold neither our stdout pipe (fd 3: `$(... start)` would never
# return) nor any lock or pipe of our callers.
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

# ---------------------------------------------------------------- installation

# Runs "$@" as root: directly when root, else through passwordless sudo, else fails.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

can_be_root() { is_root || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }

APT_UPDATED=0
apt_install() {
    local packages=("$@")
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing: ${packages[*]}; apt-get is not available here, install them yourself"
    fi
    if ! can_be_root; then
        die "missing: ${packages[*]}; run as root, or install them first: sudo apt-get install -y ${packages[*]}"
    fi
    log "installing ${packages[*]} with apt-get (the distro services are not started)"
    # Keep Debian's postinst scripts from starting the distro's own postgresql/redis
    # services: a policy-rc.d that denies every start, removed again afterwards.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        created_policy=1
    fi
    local apt=(env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get -q -o DPkg::Lock::Timeout=600)
    local rc=0
    {
        if [[ $APT_UPDATED -eq 0 ]]; then
            as_root "${apt[@]}" update && APT_UPDATED=1
        fi
        as_root "${apt[@]}" install -y --no-install-recommends "${packages[@]}"
    } || rc=$?
    if [[ $created_policy -eq 1 ]]; then
        as_root rm -f "$policy" || true
    fi
    [[ $rc -eq 0 ]] || die "apt-get failed to install ${packages[*]} (exit $rc)"
}

# Sets PG_BIN to a directory holding initdb, pg_ctl and psql. Prints nothing.
find_pg_bin() {
    if [[ -n ${PG_BIN:-} ]]; then
        [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl ]] || return 1
        return 0
    fi
    local initdb dir
    if initdb="$(command -v initdb 2>/dev/null)" && command -v pg_ctl >/dev/null 2>&1; then
        PG_BIN="$(dirname "$(readlink -f "$initdb")")"
        [[ -x $PG_BIN/pg_ctl ]] && return 0
    fi
    # Debian keeps the server binaries out of PATH; take the newest installed version.
    while IFS= read -r dir; do
        if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
            PG_BIN="$dir"
            return 0
        fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
    PG_BIN=""
    return 1
}

find_redis_server() {
    REDIS_SERVER="$(command -v redis-server 2>/dev/null || true)"
    if [[ -z $REDIS_SERVER ]]; then
        local candidate
        for candidate in /usr/bin/redis-server /usr/sbin/redis-server /usr/local/bin/redis-server; do
            if [[ -x $candidate ]]; then
                REDIS_SERVER="$candidate"
                break
            fi
        done
    fi
    [[ -n $REDIS_SERVER ]]
}

ensure_binaries() {
    local missing=()
    find_pg_bin || missing+=(postgresql)
    find_redis_server || missing+=(redis-server)
    if [[ ${#missing[@]} -gt 0 ]]; then
        apt_install "${missing[@]}"
        find_pg_bin || die "PostgreSQL server binaries (initdb, pg_ctl) still not found after installing"
        find_redis_server || die "redis-server still not found after installing"
    fi
    [[ -x $PG_BIN/psql ]] || die "psql not found next to $PG_BIN/initdb"
}

# ---------------------------------------------------------------- PostgreSQL

# The unprivileged account the PostgreSQL server runs as (initdb refuses root).
PG_RUN_USER=""
pick_pg_user() {
    if ! is_root; then
        PG_RUN_USER="$(id -un)"
        return
    fi
    if [[ -n $PG_RUN_USER ]]; then
        return
    fi
    if id -u postgres >/dev/null 2>&1; then
        PG_RUN_USER=postgres
    else
        if ! id -u timeback-pg >/dev/null 2>&1; then
            log "creating the system user timeback-pg to run the test PostgreSQL server"
            useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin timeback-pg
        fi
        PG_RUN_USER=timeback-pg
    fi
}

# Runs "$@" as the PostgreSQL user, from a directory that user can read.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_RUN_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

prepare_base_dir() {
    if [[ ! -d $BASE_DIR ]]; then
        mkdir -p "$BASE_DIR"
    fi
    [[ -O $BASE_DIR ]] || die "$BASE_DIR exists but belongs to another user; set TIMEBACK_SERVICES_DIR"
    # Root runs PostgreSQL as another user, who must be able to reach its directory.
    if is_root; then chmod 755 "$BASE_DIR"; else chmod 700 "$BASE_DIR"; fi
    mkdir -p "$REDIS_DIR"
}

prepare_pg_dir() {
    mkdir -p "$PG_DIR" "$PG_SOCK"
    if is_root; then
        chown -R "$PG_RUN_USER:" "$PG_DIR"
        runuser -u "$PG_RUN_USER" -- test -w "$PG_DIR" \
            || die "user $PG_RUN_USER cannot write to $PG_DIR (a parent directory is not reachable?); set TIMEBACK_SERVICES_DIR, e.g. to /tmp/timeback-test-services"
    fi
    chmod 700 "$PG_DIR"
}

# Pid of the running postmaster of $PG_DATA, or nothing.
pg_running_pid() {
    local pid
    [[ -f $PG_DATA/postmaster.pid ]] || return 1
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null)" || return 1
    pid_is "$pid" postgres || return 1
    echo "$pid"
}

pg_running_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null; }

pg_init() {
    log "initdb: new cluster in $PG_DATA ($("$PG_BIN/pg_ctl" --version))"
    rm -rf "$PG_DATA"
    prepare_pg_dir
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -U "$PG_SUPERUSER" \
        --encoding=UTF8 --locale=C --no-instructions >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    as_pg sh -c "printf '%s\n' \"include = 'timeback-test.conf'\" >> '$PG_DATA/postgresql.conf'"
}

pg_write_conf() {
    # Rewritten on every start, so that changing TEST_PG_PORT needs no new cluster.
    as_pg sh -c "cat > '$PG_DATA/timeback-test.conf'" <<EOF
# Written by scripts/test-services.sh: a throwaway cluster, fast and unsafe.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
}

pg_try_start() {
    pg_write_conf
    rm -f "$PG_DATA/postmaster.pid" "$PG_SOCK"/.s.PGSQL.*
    if [[ -f $PG_LOG ]]; then mv -f "$PG_LOG" "$PG_LOG.1"; fi # keep one previous run
    without_fds as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s start
}

pg_start() {
    pick_pg_user
    local pid
    if pid="$(pg_running_pid)"; then
        if [[ "$(pg_running_port)" == "$PG_PORT" ]] && psql_q -c 'SELECT 1' >/dev/null 2>&1; then
            log "PostgreSQL already running (pid $pid, port $PG_PORT): reused"
            pg_create_db
            return
        fi
        log "PostgreSQL (pid $pid) is not usable on port $PG_PORT: restarting it"
        pg_stop
    elif [[ -f $PG_DATA/postmaster.pid ]]; then
        log "removing the stale $PG_DATA/postmaster.pid"
    fi
    if port_open "$PG_PORT"; then
        die "127.0.0.1:$PG_PORT is already used by another program; set TEST_PG_PORT to a free port"
    fi
    prepare_pg_dir
    local fresh=0
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        pg_init
        fresh=1
    fi
    if ! pg_try_start; then
        tail -n 20 "$PG_LOG" >&2 || true
        [[ $fresh -eq 0 ]] || die "PostgreSQL did not start; log: $PG_LOG"
        log "PostgreSQL did not start from the existing data: recreating the cluster"
        pg_init
        pg_try_start || { tail -n 20 "$PG_LOG" >&2 || true; die "PostgreSQL did not start; log: $PG_LOG"; }
    fi
    log "PostgreSQL started on 127.0.0.1:$PG_PORT (data $PG_DATA, log $PG_LOG)"
    pg_create_db
}

psql_q() {
    PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
        -U "$PG_SUPERUSER" -d postgres -tA "$@"
}

pg_create_db() {
    local exists
    exists="$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" \
        || die "cannot connect to PostgreSQL on 127.0.0.1:$PG_PORT; log: $PG_LOG"
    if [[ $exists != 1 ]]; then
        psql_q -c "CREATE DATABASE $PG_DB" || die "could not create the database $PG_DB"
        log "created the database $PG_DB"
    fi
}

pg_stop() {
    local pid
    if ! pid="$(pg_running_pid)"; then
        return 0
    fi
    pick_pg_user
    if find_pg_bin; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 -s stop && {
            log "PostgreSQL stopped"
            return 0
        }
    fi
    # pg_ctl failed: the postmaster's own "immediate shutdown" signal, then KILL.
    kill -QUIT "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        pid_is "$pid" postgres || break
        sleep 0.1
    done
    if pid_is "$pid" postgres; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    log "PostgreSQL (pid $pid) stopped with signals"
}

# ---------------------------------------------------------------- Redis

redis_ping() {
    (
        exec 9<>"/dev/tcp/127.0.0.1/$REDIS_PORT"
        printf 'PING\r\n' >&9
        IFS= read -r -t 2 line <&9
        [[ $line == +PONG* ]]
    ) 2>/dev/null
}

redis_running_pid() {
    local pid
    [[ -f $REDIS_PID ]] || return 1
    pid="$(cat "$REDIS_PID" 2>/dev/null)" || return 1
    pid_is "$pid" redis-server || return 1
    echo "$pid"
}

redis_start() {
    local pid
    if pid="$(redis_running_pid)"; then
        if redis_ping; then
            log "Redis already running (pid $pid, port $REDIS_PORT): reused"
            return
        fi
        log "Redis (pid $pid) does not answer on port $REDIS_PORT: restarting it"
        redis_stop
    fi
    rm -f "$REDIS_PID"
    if port_open "$REDIS_PORT"; then
        die "127.0.0.1:$REDIS_PORT is already used by another program; set TEST_REDIS_PORT to a free port"
    fi
    without_fds "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$REDIS_LOG" \
        || die "redis-server failed to start; log: $REDIS_LOG"
    local i
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
            pid_is "$pid" redis-server || break
            sleep 0.1
        done
        if pid_is "$pid" redis-server; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        log "Redis stopped"
    fi
    rm -f "$REDIS_PID"
}

# ---------------------------------------------------------------- main

usage() {
    echo "usage: $0 start|stop|env|clean" >&2
    exit 2
}

[[ $# -eq 1 ]] || usage
case "$1" in
start)
    ensure_binaries
    prepare_base_dir
    pick_pg_user
    pg_start
    redis_start
    print_exports
    ;;
env)
    print_exports
    ;;
stop)
    [[ -d $BASE_DIR ]] || exit 0
    rc=0
    pg_stop || rc=$?
    redis_stop || rc=$?
    [[ $rc -eq 0 ]] || log "some service did not stop cleanly (ignored)"
    exit 0
    ;;
clean)
    "$0" stop
    if [[ -d $BASE_DIR ]]; then
        rm -rf "$BASE_DIR"
        log "removed $BASE_DIR"
    fi
    ;;
*)
    usage
    ;;
esac
