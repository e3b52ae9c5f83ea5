#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it: install (npm packages, helm), build, lint, unit
# tests, then the integration and chart tests against a real Kafka broker and a real Redis that
# this script starts on ports of their own and stops at the end (FLOWCAST_TEST_KAFKA_PORT,
# FLOWCAST_TEST_REDIS_PORT).
# The observability tests start their own Prometheus on a free port and stop it.
# With FLOWCAST_TEST_KAFKA_BROKERS / FLOWCAST_TEST_REDIS_URL set, it uses those instead.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

ensure_node_modules
# Prometheus and promtool (Debian's package) check the rules and dashboards in observability/.
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || ensure_packages prometheus
ensure_helm
# The browser tests drive the system Chromium (playwright-core cannot download a browser here).
[ -n "${FLOWCAST_TEST_CHROMIUM:-}" ] || ensure_packages chromium fonts-liberation
say "node $(node --version), TypeScript $(tsc --version | cut -d' ' -f2), helm $(helm version --short), $(prometheus --version 2>&1 | head -1)"

say "build (TypeScript, strict)"
npm run --silent build
say "lint (oxlint, type-aware)"
npm run --silent lint

export KAFKA_PORT=${FLOWCAST_TEST_KAFKA_PORT:-19092}
export REDIS_PORT=${FLOWCAST_TEST_REDIS_PORT:-16379}
started=()
cleanup() {
  for service in "${started[@]}"; do "$ROOT/scripts/$service.sh" stop || true; done
}
trap cleanup EXIT
if [ -z "${FLOWCAST_TEST_KAFKA_BROKERS:-}" ]; then
  "$ROOT/scripts/kafka.sh" start
  started+=(kafka)
  export FLOWCAST_TEST_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
fi
if [ -z "${FLOWCAST_TEST_REDIS_URL:-}" ]; then
  "$ROOT/scripts/redis.sh" start
  started+=(redis)
  export FLOWCAST_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
fi

rm -rf "$ROOT/test-results" && mkdir -p "$ROOT/test-results"
say "unit tests"
npm run --silent test:unit
say "integration tests (Kafka $FLOWCAST_TEST_KAFKA_BROKERS, Redis $FLOWCAST_TEST_REDIS_URL; service logs in test-results/logs)"
# They take about 5 minutes here; a test that hangs past its own timeout (a hook, a handle that
# keeps a test process alive) must fail the run, not hold it until CI gives up.
integration_limit=${FLOWCAST_TEST_INTEGRATION_LIMIT:-30m}
status=0
timeout --kill-after=30s "$integration_limit" npm run --silent test:integration || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "the integration tests did not finish within $integration_limit (FLOWCAST_TEST_INTEGRATION_LIMIT); service logs in test-results/logs" >&2
fi
[ "$status" -eq 0 ] || exit "$status"
say "all tests passed"
