#!/usr/bin/env bash
# A throwaway PostgreSQL on loopback for the tests (tests/lab/grids/test_grid_study.py):
#   scripts/test_postgres.sh start DIR   initdb in DIR, start it on a free port of 127.0.0.1,
#                                        print its URL (postgresql://postgres@127.0.0.1:PORT/postgres)
#   scripts/test_postgres.sh stop DIR    stop it (fast shutdown); DIR is then safe to delete
# It uses initdb/pg_ctl from PATH, else Debian's /usr/lib/postgresql/*/bin. As root (CI), the
# server runs as the `postgres` user (PostgreSQL refuses to run as root). Nothing listens
# beyond loopback, and the socket lives in DIR.
set -euo pipefail
action=${1:?usage: test_postgres.sh start|stop DIR}
dir=${2:?usage: test_postgres.sh start|stop DIR}

bin=""
if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    bin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
else
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/initdb" ]; then bin=$candidate; break; fi
    done
fi
if [ -z "$bin" ]; then
    echo "test_postgres: no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin" >&2
    exit 2
fi

as_owner() {  # runs "$@" as the data directory's owner (postgres when we are root)
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust --encoding=UTF8 \
        --no-instructions >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null
    fi
    ;;
*)
    echo "test_postgres: unknown action $action (start or stop)" >&2
    exit 2
    ;;
esac
