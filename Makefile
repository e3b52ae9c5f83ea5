# Flowcast: the common path is `make dev` and `make test`. Every target installs what it needs.
SHELL := bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: dev test bench install build lint unit integration kafka-up kafka-down redis-up redis-down infra-up infra-down clean \
	helm chart-test chart-package image kind-up kind-down

## dev: Kafka, Redis and the three services, with their logs; Ctrl-C stops them
dev:
	@scripts/dev.sh

## test: build, lint, unit and integration tests against a real Kafka and Redis it starts and stops
test:
	@scripts/test.sh

## bench: measures the services against their baselines on a Kafka and Redis of its own (BENCH_QUICK=1: smoke sizes); see docs/performance.md
bench:
	@scripts/bench.sh

install:
	@source scripts/lib/common.sh && ensure_node_modules

build: install
	npm run --silent build

lint: install
	npm run --silent lint

## unit, integration: one half of the suite; integration expects FLOWCAST_TEST_KAFKA_BROKERS and FLOWCAST_TEST_REDIS_URL
unit: build
	npm run --silent test:unit

integration: build
	npm run --silent test:integration

kafka-up:
	@scripts/kafka.sh start
kafka-down:
	@scripts/kafka.sh stop
redis-up:
	@scripts/redis.sh start
redis-down:
	@scripts/redis.sh stop
infra-up: kafka-up redis-up
infra-down: kafka-down redis-down

helm:
	@source scripts/lib/common.sh && ensure_helm

## chart-test: helm lint, the render matrix, every object against its schema, the chart's promises, the Dockerfile (no cluster, no Kafka)
chart-test: build helm
	PATH="$$(go env GOPATH)/bin:$$PATH" node --test --test-reporter=spec 'test/dist/chart/chart.test.js' 'test/dist/chart/dockerfile.test.js'

## chart-package: charts/flowcast packaged into dist/charts/, with the observability files
chart-package: helm
	@test -d observability || { echo "observability/ is missing: the chart's link charts/flowcast/observability points at it" >&2; exit 1; }
	PATH="$$(go env GOPATH)/bin:$$PATH" helm package charts/flowcast --destination dist/charts

## image: the container image (needs Docker)
image:
	docker build -t flowcast:dev .

## kind-up: a kind cluster with Strimzi, kube-prometheus-stack, Envoy Gateway and Flowcast; http://localhost/ (needs Docker, kubectl)
kind-up:
	@scripts/kind.sh up

## kind-down: deletes the kind cluster
kind-down:
	@scripts/kind.sh down

## clean: build output and local broker/Redis state (the downloaded Kafka jars stay in .cache/)
clean:
	rm -rf services/*/dist services/*/tsconfig.tsbuildinfo test/dist test/tsconfig.tsbuildinfo bench/dist bench/tsconfig.tsbuildinfo loadtest/dist loadtest/tsconfig.tsbuildinfo test-results .local

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'
