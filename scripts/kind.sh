#!/usr/bin/env bash
# A local Kubernetes cluster with Flowcast in it (kind, on Docker):
#
#   scripts/kind.sh up     # cluster, operators, image, chart; waits until Flowcast is ready
#   scripts/kind.sh down   # deletes the cluster
#
# Needs Docker and kubectl; kind and helm are installed with `go install` when missing.
# Versions of what it installs (override from the environment):
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$ROOT"

CLUSTER=${KIND_CLUSTER:-flowcast}
NAMESPACE=${FLOWCAST_NAMESPACE:-flowcast}
IMAGE=flowcast:dev
STRIMZI_VERSION=${STRIMZI_VERSION:-1.2.0}
ENVOY_GATEWAY_VERSION=${ENVOY_GATEWAY_VERSION:-v1.10.0}
KUBE_PROMETHEUS_STACK_VERSION=${KUBE_PROMETHEUS_STACK_VERSION:-82.9.0}
METRICS_SERVER_VERSION=${METRICS_SERVER_VERSION:-3.13.0}

need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is required: $2"; }

up() {
  need docker "install Docker (https://docs.docker.com/engine/install/)"
  need kubectl "install kubectl (https://kubernetes.io/docs/tasks/tools/)"
  # The chart reads its dashboards and rules through charts/flowcast/observability → observability/.
  [ -d observability ] || fail "observability/ is missing: the chart's link charts/flowcast/observability points at it"
  ensure_kind
  ensure_helm

  if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    say "kind cluster $CLUSTER exists"
  else
    say "creating kind cluster $CLUSTER (host port 80 → the Gateway)"
    kind create cluster --name "$CLUSTER" --config k8s/kind-cluster.yaml --wait 120s
  fi
  kubectl config use-context "kind-$CLUSTER" >/dev/null

  say "metrics-server $METRICS_SERVER_VERSION (CPU metrics for the consumers' HPA)"
  helm upgrade --install metrics-server metrics-server --repo https://kubernetes-sigs.github.io/metrics-server/ \
    --version "$METRICS_SERVER_VERSION" --namespace kube-system --set 'args={--kubelet-insecure-tls}' --wait

  say "Strimzi $STRIMZI_VERSION operator (watches every namespace)"
  helm upgrade --install strimzi oci://quay.io/strimzi-helm/strimzi-kafka-operator --version "$STRIMZI_VERSION" \
    --namespace strimzi --create-namespace --set watchAnyNamespace=true --wait

  say "kube-prometheus-stack $KUBE_PROMETHEUS_STACK_VERSION (Prometheus, Grafana)"
  helm upgrade --install kps oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack \
    --version "$KUBE_PROMETHEUS_STACK_VERSION" --namespace monitoring --create-namespace \
    --values k8s/kube-prometheus-stack-values.yaml --wait --timeout 10m

  say "Envoy Gateway $ENVOY_GATEWAY_VERSION (Gateway API with session persistence) and the flowcast Gateway"
  helm upgrade --install eg oci://docker.io/envoyproxy/gateway-helm --version "$ENVOY_GATEWAY_VERSION" \
    --namespace envoy-gateway-system --create-namespace --wait
  kubectl apply -f k8s/gateway.yaml
  kubectl -n envoy-gateway-system wait gateway/flowcast --for=condition=Programmed --timeout=180s

  say "building $IMAGE and loading it into the cluster"
  docker build -t "$IMAGE" .
  kind load docker-image "$IMAGE" --name "$CLUSTER"

  say "installing the chart into namespace $NAMESPACE"
  helm upgrade --install flowcast charts/flowcast --namespace "$NAMESPACE" --create-namespace \
    --values k8s/kind-values.yaml --wait --timeout 15m
  kubectl -n "$NAMESPACE" wait kafka/flowcast --for=condition=Ready --timeout=600s
  kubectl -n "$NAMESPACE" rollout status deployment --selector app.kubernetes.io/instance=flowcast --timeout=600s
  helm test flowcast --namespace "$NAMESPACE" --logs

  say "ready: open http://localhost/ (dashboard), POST http://localhost/producers/send/single"
  say "Grafana: kubectl -n monitoring port-forward svc/kps-grafana 3300:80 → http://localhost:3300 (admin / flowcast)"
}

down() {
  ensure_kind
  kind delete cluster --name "$CLUSTER"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) fail "usage: scripts/kind.sh up | down" ;;
esac
