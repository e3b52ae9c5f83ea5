#!/usr/bin/env bash
# `make bench`: builds, starts a Kafka broker and a Redis of its own (ports
# FLOWCAST_BENCH_KAFKA_PORT 29092 and FLOWCAST_BENCH_REDIS_PORT 26379, away from `make dev` and
# `make test`), runs the harness in bench/ and stops what it started. With
# FLOWCAST_BENCH_KAFKA_BROKERS / FLOWCAST_BENCH_REDIS_URL set, it uses those instead.
#
#   make bench                      # the full measurement (long; run it on a quiet machine)
#   BENCH_QUICK=1 make bench        # smoke sizes: checks that every scenario runs end to end
#   BENCH_ONLY=ingest,csv make bench
#
# Results: a table on stdout, JSON in bench/results/ (git-ignored), the services' logs in
# bench/results/logs/.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_node_modules
say "build"
npm run --silent build

export KAFKA_PORT=${FLOWCAST_BENCH_KAFKA_PORT:-29092}
export REDIS_PORT=${FLOWCAST_BENCH_REDIS_PORT:-26379}
started=()
cleanup() {
  for service in "${started[@]}"; do "$ROOT/scripts/$service.sh" stop || true; done
}
trap cleanup EXIT
if [ -z "${FLOWCAST_BENCH_KAFKA_BROKERS:-}" ]; then
  "$ROOT/scripts/kafka.sh" start
  started+=(kafka)
  export FLOWCAST_BENCH_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
fi
if [ -z "${FLOWCAST_BENCH_REDIS_URL:-}" ]; then
  "$ROOT/scripts/redis.sh" start
  started+=(redis)
  export FLOWCAST_BENCH_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
fi

say "bench (Kafka $FLOWCAST_BENCH_KAFKA_BROKERS, Redis $FLOWCAST_BENCH_REDIS_URL)"
node bench/dist/main.js
