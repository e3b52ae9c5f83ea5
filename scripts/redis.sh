#!/usr/bin/env bash
# Local Redis from Debian's redis-server package (installed when missing), on 127.0.0.1.
#
#   scripts/redis.sh start | stop | status
#
# REDIS_PORT (6379)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

REDIS_PORT=${REDIS_PORT:-6379}
STATE="$ROOT/.local/redis-$REDIS_PORT"
PID_FILE="$STATE/redis.pid"

start() {
  if pid=$(live_pid "$PID_FILE"); then
    say "Redis already running on port $REDIS_PORT (pid $pid)"
    return 0
  fi
  port_open "$REDIS_PORT" && fail "port $REDIS_PORT is taken by another process; set REDIS_PORT, or REDIS_URL to use that Redis"
  command -v redis-server >/dev/null 2>&1 || ensure_packages redis-server
  mkdir -p "$STATE"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$PID_FILE" --logfile "$STATE/redis.log" --dir "$STATE" \
    --save '' --appendonly no >/dev/null
  for _ in $(seq 1 100); do
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
      say "Redis ready at redis://localhost:$REDIS_PORT"
      return 0
    fi
    sleep 0.1
  done
  fail "Redis did not start (log: $STATE/redis.log)"
}

stop() {
  if live_pid "$PID_FILE" >/dev/null; then
    say "stopping Redis on port $REDIS_PORT"
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    stop_pid "$PID_FILE" 10
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if pid=$(live_pid "$PID_FILE"); then echo "Redis running on port $REDIS_PORT (pid $pid)"; else echo "Redis not running on port $REDIS_PORT"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
