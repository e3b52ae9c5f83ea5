# Shared helpers for the project's shell scripts. Source it; it sets ROOT.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

say() { printf '\033[1;34m[flowcast]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[flowcast]\033[0m %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    fail "need root to run: $* (install it yourself, or run as root)"
  fi
}

# Installs Debian packages that are missing; `apt-get update` runs at most once per script.
APT_UPDATED=0
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]}: install them with your package manager"
  say "installing ${missing[*]} (Debian packages)"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid in file $1 when that process is alive.
live_pid() {
  [ -f "$1" ] || return 1
  local pid
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Stops the process in pid file $1: SIGTERM, then SIGKILL after $2 seconds.
stop_pid() {
  local pid
  pid=$(live_pid "$1") || { rm -f "$1"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $(( $2 * 10 ))); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$1"; return 0; }
    sleep 0.1
  done
  say "process $pid did not stop in $2 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

# The project's Node.js (the pinned node@24 from node_modules), installing dependencies if needed.
ensure_node_modules() {
  if [ ! -x "$ROOT/node_modules/.bin/node" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    say "installing npm dependencies"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
}

# Go-installed tools land in $GOPATH/bin (~/go/bin), kept between runs.
GO_BIN="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"

# Helm for the chart checks and installs: HELM_VERSION from the Go module proxy, built once into
# ~/go/bin (a couple of minutes the first time; the Go toolchain is a prerequisite).
HELM_VERSION=${HELM_VERSION:-v3.22.0}
ensure_helm() {
  export PATH="$GO_BIN:$PATH"
  if command -v helm >/dev/null 2>&1 && [[ "$(helm version --template '{{.Version}}' 2>/dev/null)" == "${HELM_VERSION%.*}"* ]]; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || fail "helm $HELM_VERSION is missing and so is Go to build it: install Go (https://go.dev/doc/install) or helm itself"
  say "installing helm $HELM_VERSION (go install, once)"
  go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

# kind for `make kind-up`, the same way.
KIND_VERSION=${KIND_VERSION:-v0.33.0}
ensure_kind() {
  export PATH="$GO_BIN:$PATH"
  if command -v kind >/dev/null 2>&1 && [[ "$(kind version 2>/dev/null)" == *"$KIND_VERSION"* ]]; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || fail "kind $KIND_VERSION is missing and so is Go to build it: install Go or kind itself"
  say "installing kind $KIND_VERSION (go install, once)"
  go install "sigs.k8s.io/kind@$KIND_VERSION"
}
