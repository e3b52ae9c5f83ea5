# Flowcast: the common path is `make dev` and `make test`. Every target installs what it needs.
SHELL := bash
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: dev test install build lint unit integration kafka-up kafka-down redis-up redis-down infra-up infra-down clean

## dev: Kafka, Redis and the three services, with their logs; Ctrl-C stops them
dev:
	@scripts/dev.sh

## test: build, lint, unit and integration tests against a real Kafka and Redis it starts and stops
test:
	@scripts/test.sh

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

## clean: build output and local broker/Redis state (the downloaded Kafka jars stay in .cache/)
clean:
	rm -rf services/*/dist services/*/tsconfig.tsbuildinfo test/dist test/tsconfig.tsbuildinfo test-results .local

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'
