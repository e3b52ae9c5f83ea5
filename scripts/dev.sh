#!/usr/bin/env bash
# `make dev`: Kafka, Redis and the three services on one machine, logs in one terminal.
# Ctrl-C stops everything this script started. KAFKA_BROKERS / REDIS_URL point the services
# at existing infrastructure instead (REDIS_URL= empty runs one gateway without Redis).
# KAFKA_SECURITY=scram starts the broker with SASL/SCRAM-SHA-512 and TLS, and the services use
# them. API_KEYS, SOCKET_AUTH_SECRET, RATE_LIMIT_MAX… reach the services as they are: without
# them, development is open, as the WebSocket reference describes it.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_node_modules
say "building"
npm run --silent build

started=()
pids=()
cleanup() {
  trap - EXIT INT TERM
  say "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  for service in "${started[@]}"; do "$ROOT/scripts/$service.sh" stop || true; done
}
trap cleanup EXIT INT TERM

if [ -z "${KAFKA_BROKERS:-}" ]; then
  "$ROOT/scripts/kafka.sh" start
  started+=(kafka)
  export KAFKA_BROKERS="localhost:${KAFKA_PORT:-9092}"
  if [ "${KAFKA_SECURITY:-plaintext}" = scram ]; then
    # The TLS listener (port + 2), its CA, and the SCRAM user scripts/kafka.sh created.
    export KAFKA_BROKERS="localhost:$(( ${KAFKA_PORT:-9092} + 2 ))" KAFKA_TLS=true KAFKA_TLS_CA_FILE="$("$ROOT/scripts/kafka.sh" ca)"
    export KAFKA_SASL_MECHANISM=SCRAM-SHA-512 KAFKA_SASL_USERNAME="${KAFKA_SCRAM_USERNAME:-flowcast}" KAFKA_SASL_PASSWORD="${KAFKA_SCRAM_PASSWORD:-flowcast-secret}"
  fi
fi
if [ -z "${REDIS_URL+set}" ]; then
  "$ROOT/scripts/redis.sh" start
  started+=(redis)
  export REDIS_URL="redis://localhost:${REDIS_PORT:-6379}"
fi

run() {
  local name=$1 port=$2 colour=$3 flags
  # Node's flags from the service's start script (package.json), as the image and the chart start it.
  flags=$(node -p "require('./services/$name/package.json').scripts.start.split(' ').slice(1, -1).join(' ')")
  # Through a process substitution, so that $! is the service itself, not the log prefixer.
  # shellcheck disable=SC2086 # the flags are words
  PORT=$port node $flags "services/$name/dist/main.js" > >(sed -u "s/^/\x1b[${colour}m${name}\x1b[0m | /") 2>&1 &
  pids+=($!)
}
run consumer "${CONSUMER_PORT:-3002}" 33
run producer "${PRODUCER_PORT:-3000}" 32
PRODUCER_PUBLIC_URL="${PRODUCER_PUBLIC_URL:-http://localhost:${PRODUCER_PORT:-3000}}" run gateway "${GATEWAY_PORT:-3001}" 35

for url in "http://localhost:${CONSUMER_PORT:-3002}" "http://localhost:${PRODUCER_PORT:-3000}" "http://localhost:${GATEWAY_PORT:-3001}"; do
  for _ in $(seq 1 300); do
    curl -fsS "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
done

access="open (development)"
if [ -n "${API_KEYS:-}" ] || [ -n "${SOCKET_AUTH_SECRET:-}" ]; then
  access="${API_KEYS:+API key required (Authorization: Bearer <key>). }${SOCKET_AUTH_SECRET:+Token required: npm run -s token -- --all, then /#token=<token>}"
fi

cat >&2 <<INFO

  Flowcast is running.
    Dashboard           http://localhost:${GATEWAY_PORT:-3001}/
    API descriptions    http://localhost:${PRODUCER_PORT:-3000}/docs   http://localhost:${GATEWAY_PORT:-3001}/docs   (OpenAPI, AsyncAPI)
    Ingest (producer)   http://localhost:${PRODUCER_PORT:-3000}/producers/send/single   /producers/upload/csv
    Live events         http://localhost:${GATEWAY_PORT:-3001}   (Socket.IO: WebSocket, polling fallback)
    Status              http://localhost:${GATEWAY_PORT:-3001}/api/logs/<logId>   /api/uploads/<uploadId>   /api/stats
    Health & metrics    /healthz  /readyz  /metrics on ports ${PRODUCER_PORT:-3000}, ${GATEWAY_PORT:-3001}, ${CONSUMER_PORT:-3002}
    Kafka ${KAFKA_BROKERS}${KAFKA_SASL_MECHANISM:+ (${KAFKA_SASL_MECHANISM}${KAFKA_TLS:+ over TLS})}   Redis ${REDIS_URL:-none (in-memory gateway)}
    Access              ${access}

  Try:  curl -X POST http://localhost:${PRODUCER_PORT:-3000}/producers/send/single \\
          -H 'Content-Type: application/json' ${API_KEYS:+-H 'Authorization: Bearer <one of API_KEYS>' }\\
          -d '{"orderNumber":"ORD-1","productName":"Widget","quantity":2,"price":9.99}'

  Ctrl-C stops everything.

INFO
wait "${pids[@]}"
