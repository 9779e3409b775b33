#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for tests: `scripts/pg-cluster.sh start|stop|url`.
# Debian's postgresql package does not start a server without systemd, and initdb refuses to
# run as root, so the cluster is owned by the `postgres` user in a temporary directory.
set -euo pipefail
PG_PORT="${KNOCKGATE_PG_PORT:-54329}"
PG_DIR="${KNOCKGATE_PG_DIR:-/tmp/knockgate-pg-$PG_PORT}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"

as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-}" in
  start)
    [ -n "$PG_BIN" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
    if [ -f "$PG_DIR/postmaster.pid" ] && as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR' status" >/dev/null 2>&1; then
      echo "$URL"; exit 0
    fi
    rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
    as_pg "'$PG_BIN/initdb' -D '$PG_DIR' -U postgres --auth=trust -E UTF8 --no-sync" >/dev/null
    as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR' -o \"-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" -l '$PG_DIR/server.log' -w start" >/dev/null
    echo "$URL"
    ;;
  stop)
    if [ -d "$PG_DIR" ]; then
      as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR' -m fast -w stop" >/dev/null 2>&1 || true
      rm -rf "$PG_DIR"
    fi
    ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
