#!/usr/bin/env bash
# Local Apache Kafka: one combined broker/controller in KRaft mode, run from Apache Kafka's own
# jars, resolved from Maven Central into .cache/ (kept between runs, git-ignored).
#
#   scripts/kafka.sh start | stop | status | fetch | logs
#
# KAFKA_VERSION (4.3.1)   broker version; 4.4.0 is the fallback if 4.3.1 does not resolve
# KAFKA_PORT (9092)       client port; the controller listens on KAFKA_CONTROLLER_PORT (port + 1)
# KAFKA_HOST (localhost)  host name advertised to clients
# KAFKA_HEAP (1g)         broker heap
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

KAFKA_VERSION=${KAFKA_VERSION:-4.3.1}
KAFKA_FALLBACK_VERSION=4.4.0
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_HOST=${KAFKA_HOST:-localhost}
KAFKA_HEAP=${KAFKA_HEAP:-1g}
STATE="$ROOT/.local/kafka-$KAFKA_PORT"
PID_FILE="$STATE/kafka.pid"
LOG_FILE="$STATE/server.log"

lib_dir() { echo "$ROOT/.cache/kafka-$1/lib"; }

resolve() {
  local version=$1 dir
  dir=$(lib_dir "$version")
  [ -f "$dir/kafka_2.13-$version.jar" ] && return 0
  command -v mvn >/dev/null 2>&1 || ensure_packages maven
  command -v java >/dev/null 2>&1 || ensure_packages openjdk-17-jre-headless
  say "fetching Apache Kafka $version jars from Maven Central (cached in .cache/)"
  rm -rf "$dir"
  mvn -q -B -Dstyle.color=never -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -DincludeScope=runtime -DoutputDirectory="$dir" >&2
}

fetch() {
  if resolve "$KAFKA_VERSION"; then
    echo "$KAFKA_VERSION"
  elif [ "$KAFKA_VERSION" != "$KAFKA_FALLBACK_VERSION" ]; then
    say "Kafka $KAFKA_VERSION did not resolve; falling back to $KAFKA_FALLBACK_VERSION"
    resolve "$KAFKA_FALLBACK_VERSION" && echo "$KAFKA_FALLBACK_VERSION"
  else
    return 1
  fi
}

start() {
  if pid=$(live_pid "$PID_FILE"); then
    say "Kafka already running on port $KAFKA_PORT (pid $pid)"
    return 0
  fi
  port_open "$KAFKA_PORT" && fail "port $KAFKA_PORT is taken by another process; set KAFKA_PORT, or KAFKA_BROKERS to use that broker"
  local version classpath
  version=$(fetch) || fail "cannot resolve Apache Kafka jars from Maven Central"
  classpath="$(lib_dir "$version")/*"
  mkdir -p "$STATE/data"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@HOST@|$KAFKA_HOST|g" -e "s|@DATA_DIR@|$STATE/data|g" \
      "$ROOT/infra/kafka/server.properties.template" > "$STATE/server.properties"
  local java_opts=(-Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$ROOT/infra/kafka/log4j2.yaml")
  if [ ! -f "$STATE/data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(java -cp "$classpath" kafka.tools.StorageTool random-uuid 2>/dev/null)
    java "${java_opts[@]}" -cp "$classpath" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$STATE/server.properties" >"$STATE/format.log" 2>&1 \
      || { cat "$STATE/format.log" >&2; fail "formatting Kafka storage failed"; }
  fi
  say "starting Kafka $version on port $KAFKA_PORT"
  : > "$LOG_FILE"
  nohup java "${java_opts[@]}" -cp "$classpath" kafka.Kafka "$STATE/server.properties" >>"$LOG_FILE" 2>&1 &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 900); do
    if ! live_pid "$PID_FILE" >/dev/null; then
      tail -n 40 "$LOG_FILE" >&2
      fail "Kafka exited during start-up (log: $LOG_FILE)"
    fi
    if grep -q "Kafka Server started" "$LOG_FILE" && port_open "$KAFKA_PORT"; then
      say "Kafka ready at localhost:$KAFKA_PORT"
      return 0
    fi
    sleep 0.1
  done
  tail -n 40 "$LOG_FILE" >&2
  fail "Kafka did not start within 90 s (log: $LOG_FILE)"
}

stop() {
  if live_pid "$PID_FILE" >/dev/null; then
    say "stopping Kafka on port $KAFKA_PORT"
    stop_pid "$PID_FILE" 30
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if pid=$(live_pid "$PID_FILE"); then echo "Kafka running on port $KAFKA_PORT (pid $pid)"; else echo "Kafka not running on port $KAFKA_PORT"; exit 1; fi ;;
  fetch) fetch >/dev/null ;;
  logs) tail -n "${LINES:-100}" -f "$LOG_FILE" ;;
  *) echo "usage: $0 start|stop|status|fetch|logs" >&2; exit 2 ;;
esac
