{{/* Names ------------------------------------------------------------------------------------- */}}

{{- define "flowcast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flowcast.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The three services, in the order they are rendered. */}}
{{- define "flowcast.components" -}}
producer consumer gateway
{{- end }}

{{- define "flowcast.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels: (dict "ctx" $ "component" "producer") */}}
{{- define "flowcast.labels" -}}
helm.sh/chart: {{ include "flowcast.chart" .ctx }}
{{ include "flowcast.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: flowcast
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "flowcast.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flowcast.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{- define "flowcast.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flowcast.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
A service's command: its start script (services/<component>/package.json), Node's flags
included. The producer's larger young generation keeps an upload's short-lived rows from being
promoted: without it the heap grew by ~55 MB over a 1M-row file (docs/performance.md).
*/}}
{{- define "flowcast.startCommand" -}}
{{- $flags := dict "producer" (list "--max-semi-space-size=32") -}}
{{- concat (list "node") (get $flags . | default list) (list "dist/main.js") | toJson -}}
{{- end }}

{{- define "flowcast.image" -}}
{{- $image := .Values.image }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* Secret made by the chart for the credentials given as values. */}}
{{- define "flowcast.secretName" -}}
{{- printf "%s-credentials" (include "flowcast.fullname" .) }}
{{- end }}

{{/* Secret and key of the producer's API keys, as "name key"; empty when API keys are off. */}}
{{- define "flowcast.producer.apiKeysRef" -}}
{{- $auth := .Values.producer.auth }}
{{- if $auth.enabled }}
{{- if $auth.existingSecret }}{{ printf "%s %s" $auth.existingSecret $auth.existingSecretKey }}{{ else }}{{ printf "%s api-keys" (include "flowcast.secretName" .) }}{{ end }}
{{- end }}
{{- end }}

{{/* Secret and key of the Socket.IO token secret, as "name key"; empty when tokens are off. */}}
{{- define "flowcast.gateway.socketSecretRef" -}}
{{- $auth := .Values.gateway.auth }}
{{- if $auth.enabled }}
{{- if $auth.existingSecret }}{{ printf "%s %s" $auth.existingSecret $auth.existingSecretKey }}{{ else }}{{ printf "%s socket-auth-secret" (include "flowcast.secretName" .) }}{{ end }}
{{- end }}
{{- end }}

{{/* TRUST_PROXY: as given, else one hop (the Gateway or ingress) when a route is enabled. */}}
{{- define "flowcast.producer.trustProxy" -}}
{{- $trust := .Values.producer.trustProxy }}
{{- if not (kindIs "invalid" $trust) }}{{ toString $trust }}
{{- else if or .Values.httpRoute.enabled .Values.ingress.enabled }}1
{{- else }}false{{ end }}
{{- end }}

{{/* Kafka ------------------------------------------------------------------------------------- */}}

{{- define "flowcast.kafka.clusterName" -}}
{{- default (include "flowcast.fullname" .) .Values.kafka.strimzi.clusterName | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "flowcast.kafka.brokers" -}}
{{- if eq .Values.kafka.mode "strimzi" }}
{{- printf "%s-kafka-bootstrap:%d" (include "flowcast.kafka.clusterName" .) (ternary 9093 9092 .Values.kafka.strimzi.listener.tls) }}
{{- else }}
{{- .Values.kafka.external.bootstrapServers }}
{{- end }}
{{- end }}

{{/* "true" when clients talk TLS to the brokers. */}}
{{- define "flowcast.kafka.tls" -}}
{{- if eq .Values.kafka.mode "strimzi" }}{{ .Values.kafka.strimzi.listener.tls }}{{ else }}{{ .Values.kafka.external.tls.enabled }}{{ end }}
{{- end }}

{{/* Secret and key of the CA that signed the brokers' certificates; empty: system CAs. */}}
{{- define "flowcast.kafka.caSecret" -}}
{{- if eq (include "flowcast.kafka.tls" .) "true" }}
{{- if eq .Values.kafka.mode "strimzi" }}
{{- printf "%s-cluster-ca-cert" (include "flowcast.kafka.clusterName" .) }}
{{- else }}
{{- .Values.kafka.external.tls.caSecret.name }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flowcast.kafka.caKey" -}}
{{- if eq .Values.kafka.mode "strimzi" }}ca.crt{{ else }}{{ .Values.kafka.external.tls.caSecret.key }}{{ end }}
{{- end }}

{{- define "flowcast.kafka.saslMechanism" -}}
{{- if eq .Values.kafka.mode "strimzi" }}
{{- if eq .Values.kafka.strimzi.listener.authentication "scram-sha-512" }}SCRAM-SHA-512{{ end }}
{{- else }}
{{- .Values.kafka.external.sasl.mechanism }}
{{- end }}
{{- end }}

{{/* Name of a service's KafkaUser (and of the Secret the User Operator makes for it). */}}
{{- define "flowcast.kafka.userName" -}}
{{- printf "%s-%s" (include "flowcast.fullname" .ctx) .component }}
{{- end }}

{{/* SASL username of a service: (dict "ctx" $ "component" "producer") */}}
{{- define "flowcast.kafka.saslUsername" -}}
{{- if eq .ctx.Values.kafka.mode "strimzi" }}
{{- include "flowcast.kafka.userName" . }}
{{- else }}
{{- .ctx.Values.kafka.external.sasl.username }}
{{- end }}
{{- end }}

{{/* Secret and key holding a service's SASL password, as "name key". */}}
{{- define "flowcast.kafka.saslPasswordRef" -}}
{{- if eq .ctx.Values.kafka.mode "strimzi" }}
{{- printf "%s password" (include "flowcast.kafka.userName" .) }}
{{- else if .ctx.Values.kafka.external.sasl.existingSecret }}
{{- printf "%s %s" .ctx.Values.kafka.external.sasl.existingSecret .ctx.Values.kafka.external.sasl.existingSecretPasswordKey }}
{{- else }}
{{- printf "%s kafka-sasl-password" (include "flowcast.secretName" .ctx) }}
{{- end }}
{{- end }}

{{- define "flowcast.topics.replicationFactor" -}}
{{- if not (kindIs "invalid" .Values.topics.replicationFactor) }}
{{- .Values.topics.replicationFactor | int }}
{{- else if eq .Values.kafka.mode "strimzi" }}
{{- min 3 (int .Values.kafka.strimzi.nodePool.replicas) }}
{{- else }}3{{ end }}
{{- end }}

{{/* Redis ------------------------------------------------------------------------------------- */}}

{{- define "flowcast.redis.fullname" -}}
{{- printf "%s-redis" (include "flowcast.fullname" .) }}
{{- end }}

{{- define "flowcast.redis.passwordSecret" -}}
{{- default (include "flowcast.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- end }}

{{- define "flowcast.redis.passwordKey" -}}
{{- if .Values.redis.auth.existingSecret }}{{ .Values.redis.auth.existingSecretPasswordKey }}{{ else }}redis-password{{ end }}
{{- end }}

{{- define "flowcast.redis.image" -}}
{{- $image := .Values.redis.image }}
{{- if $image.digest }}{{ printf "%s@%s" $image.repository $image.digest }}{{ else }}{{ printf "%s:%s" $image.repository $image.tag }}{{ end }}
{{- end }}

{{/* Services ---------------------------------------------------------------------------------- */}}

{{/* Seconds the kubelet waits after SIGTERM's preStop: preStop sleep + SHUTDOWN_TIMEOUT_MS + 5 s. */}}
{{- define "flowcast.minimumGraceSeconds" -}}
{{- $values := index .ctx.Values .component }}
{{- add (int $values.preStopSleepSeconds) (div (add (int64 .ctx.Values.config.shutdownTimeoutMs) 999) 1000) 5 }}
{{- end }}

{{- define "flowcast.graceSeconds" -}}
{{- $values := index .ctx.Values .component }}
{{- if kindIs "invalid" $values.terminationGracePeriodSeconds }}
{{- include "flowcast.minimumGraceSeconds" . }}
{{- else }}
{{- $values.terminationGracePeriodSeconds | int }}
{{- end }}
{{- end }}

{{- define "flowcast.corsOrigins" -}}
{{- if .Values.gateway.cors.origins }}
{{- join "," .Values.gateway.cors.origins }}
{{- else if .Values.exposure.https }}
{{- printf "https://%s" .Values.exposure.host }}
{{- else }}
{{- printf "http://%s,https://%s" .Values.exposure.host .Values.exposure.host }}
{{- end }}
{{- end }}

{{/*
Where the dashboard's browsers reach the producer: the same host, whose /producers path the
route sends to the producer, unless gateway.producerPublicUrl says otherwise.
*/}}
{{- define "flowcast.producerPublicUrl" -}}
{{- if .Values.gateway.producerPublicUrl }}
{{- .Values.gateway.producerPublicUrl }}
{{- else }}
{{- printf "%s://%s" (ternary "https" "http" .Values.exposure.https) .Values.exposure.host }}
{{- end }}
{{- end }}

{{/*
The environment of one service, as in its ConfigMap (secrets and pod fields are in the
Deployment). Hashed into the pod template so that a change rolls the pods.
*/}}
{{- define "flowcast.configData" -}}
{{- $ := .ctx }}
{{- $component := .component }}
{{- $values := index $.Values $component }}
{{- $topics := $.Values.topics }}
{{- $env := dict }}
{{- $_ := set $env "HOST" "0.0.0.0" }}
{{- $_ := set $env "PORT" (toString (int $values.service.port)) }}
{{- $_ := set $env "LOG_LEVEL" $.Values.config.logLevel }}
{{- $_ := set $env "SHUTDOWN_TIMEOUT_MS" (toString (int64 $.Values.config.shutdownTimeoutMs)) }}
{{- $_ := set $env "KAFKA_BROKERS" (include "flowcast.kafka.brokers" $) }}
{{- $_ := set $env "KAFKA_GROUP_PROTOCOL" $.Values.kafka.groupProtocol }}
{{- $_ := set $env "KAFKA_CREATE_TOPICS" (toString (and (eq $.Values.kafka.mode "external") $.Values.kafka.external.createTopics)) }}
{{- $_ := set $env "KAFKA_TLS" (include "flowcast.kafka.tls" $) }}
{{- if eq (include "flowcast.kafka.tls" $) "true" }}
{{- if include "flowcast.kafka.caSecret" $ }}
{{- $_ := set $env "KAFKA_TLS_CA_FILE" "/etc/flowcast/kafka-ca/ca.crt" }}
{{- end }}
{{- $_ := set $env "KAFKA_TLS_REJECT_UNAUTHORIZED" (toString (or (eq $.Values.kafka.mode "strimzi") $.Values.kafka.external.tls.rejectUnauthorized)) }}
{{- end }}
{{- with include "flowcast.kafka.saslMechanism" $ }}
{{- $_ := set $env "KAFKA_SASL_MECHANISM" . }}
{{- $_ := set $env "KAFKA_SASL_USERNAME" (include "flowcast.kafka.saslUsername" (dict "ctx" $ "component" $component)) }}
{{- end }}
{{- $_ := set $env "TOPIC_MESSAGES" $topics.messages.name }}
{{- $_ := set $env "TOPIC_MESSAGE_EVENTS" $topics.messageEvents.name }}
{{- $_ := set $env "TOPIC_ORDERS_PROCESSED" $topics.ordersProcessed.name }}
{{- $_ := set $env "TOPIC_DEAD_LETTER" $topics.deadLetter.name }}
{{- $_ := set $env "TOPIC_MESSAGES_PARTITIONS" (toString (int $topics.messages.partitions)) }}
{{- $_ := set $env "TOPIC_MESSAGE_EVENTS_PARTITIONS" (toString (int $topics.messageEvents.partitions)) }}
{{- $_ := set $env "TOPIC_ORDERS_PROCESSED_PARTITIONS" (toString (int $topics.ordersProcessed.partitions)) }}
{{- $_ := set $env "TOPIC_DEAD_LETTER_PARTITIONS" (toString (int $topics.deadLetter.partitions)) }}
{{- $_ := set $env "TOPIC_REPLICATION_FACTOR" (include "flowcast.topics.replicationFactor" $) }}
{{- if eq $component "producer" }}
{{- /* The dashboard is served by the gateway on the same host: the same allow-list. */}}
{{- $_ := set $env "CORS_ORIGINS" (include "flowcast.corsOrigins" $) }}
{{- $_ := set $env "RATE_LIMIT_MAX" (toString (int64 (default 0 $values.rateLimit.max))) }}
{{- with $values.rateLimit.windowMs }}{{ $_ := set $env "RATE_LIMIT_WINDOW_MS" (toString (int64 .)) }}{{ end }}
{{- $_ := set $env "TRUST_PROXY" (include "flowcast.producer.trustProxy" $) }}
{{- with $values.requestTimeoutMs }}{{ $_ := set $env "REQUEST_TIMEOUT_MS" (toString (int64 .)) }}{{ end }}
{{- else if eq $component "consumer" }}
{{- $_ := set $env "CONSUMER_GROUP_ID" $values.groupId }}
{{- else if eq $component "gateway" }}
{{- $_ := set $env "GATEWAY_GROUP_ID" $values.groupId }}
{{- $_ := set $env "WORKER_GROUP_ID" $.Values.consumer.groupId }}
{{- $_ := set $env "CORS_ORIGINS" (include "flowcast.corsOrigins" $) }}
{{- $_ := set $env "STATS_INTERVAL_MS" (toString (int64 $values.statsIntervalMs)) }}
{{- $_ := set $env "PRODUCER_PUBLIC_URL" (include "flowcast.producerPublicUrl" $) }}
{{- with $values.traceUiUrlTemplate }}{{ $_ := set $env "TRACE_UI_URL_TEMPLATE" . }}{{ end }}
{{- with $values.prometheusUrl }}
{{- $_ := set $env "PROMETHEUS_URL" . }}
{{- /* Only this release's series: PromQL selectors get the release's namespace. */}}
{{- $_ := set $env "PROMETHEUS_SELECTOR" (printf "namespace=%q" $.Release.Namespace) }}
{{- end }}
{{- end }}
{{- if $.Values.otel.enabled }}
{{- $_ := set $env "OTEL_SERVICE_NAME" (printf "%s%s" $.Values.otel.serviceNamePrefix $component) }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $.Values.otel.endpoint }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_PROTOCOL" $.Values.otel.protocol }}
{{- $_ := set $env "OTEL_TRACES_SAMPLER" $.Values.otel.tracesSampler }}
{{- $_ := set $env "OTEL_TRACES_SAMPLER_ARG" (toString $.Values.otel.tracesSamplerArg) }}
{{- end }}
{{- range $name, $value := $.Values.config.env }}{{ $_ := set $env $name (toString $value) }}{{ end }}
{{- range $name, $value := $values.env }}{{ $_ := set $env $name (toString $value) }}{{ end }}
{{- toYaml $env }}
{{- end }}

{{/*
What the chart's credentials depend on, hashed into each pod template: values only, never the
generated Redis password, so that the same values render the same checksum.
*/}}
{{- define "flowcast.secretInputs" -}}
{{- $ := .ctx }}
{{- $inputs := dict "kafka" (omit $.Values.kafka.external "bootstrapServers") "kafkaAuth" $.Values.kafka.strimzi.listener.authentication }}
{{- if eq .component "producer" }}
{{- $_ := set $inputs "auth" $.Values.producer.auth }}
{{- /* The producer signs the tokens of its 202 answers with the gateway's secret. */}}
{{- $_ := set $inputs "socketAuth" $.Values.gateway.auth }}
{{- else if eq .component "gateway" }}
{{- $_ := set $inputs "auth" $.Values.gateway.auth }}
{{- $_ := set $inputs "redis" (dict "mode" $.Values.redis.mode "auth" $.Values.redis.auth "external" $.Values.redis.external) }}
{{- end }}
{{- $_ := set $inputs "otelHeaders" $.Values.otel.headersSecret }}
{{- toJson $inputs }}
{{- end }}

{{/* Pod and container security ---------------------------------------------------------------- */}}

{{- define "flowcast.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "flowcast.securityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{/* Default topology spread: zones and nodes, best effort. */}}
{{- define "flowcast.topologySpread" -}}
{{- $values := index .ctx.Values .component }}
{{- if $values.topologySpreadConstraints }}
{{- toYaml $values.topologySpreadConstraints }}
{{- else }}
{{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
- maxSkew: 1
  topologyKey: {{ $key }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "flowcast.selectorLabels" (dict "ctx" $.ctx "component" $.component) | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
{{- end }}
{{- end }}
{{- end }}

{{/* Validation: values the schema cannot judge alone ------------------------------------------ */}}

{{- define "flowcast.validate" -}}
{{- $partitions := int .Values.topics.messages.partitions }}
{{- $autoscaling := .Values.consumer.autoscaling }}
{{- if $autoscaling.enabled }}
{{- if gt (int $autoscaling.maxReplicas) $partitions }}
{{- fail (printf "consumer.autoscaling.maxReplicas (%d) exceeds topics.messages.partitions (%d): a consumer beyond the partition count gets no partition and sits idle. Lower maxReplicas or add partitions." (int $autoscaling.maxReplicas) $partitions) }}
{{- end }}
{{- if gt (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas) }}
{{- fail (printf "consumer.autoscaling.minReplicas (%d) exceeds consumer.autoscaling.maxReplicas (%d)." (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas)) }}
{{- end }}
{{- if and (eq $autoscaling.engine "hpa") (lt (int $autoscaling.minReplicas) 1) }}
{{- fail "consumer.autoscaling.minReplicas must be at least 1 with the hpa engine (scaling to zero needs engine: keda)." }}
{{- end }}
{{- if and (eq $autoscaling.engine "hpa") (not $autoscaling.lag.enabled) (kindIs "invalid" $autoscaling.targetCPUUtilizationPercentage) }}
{{- fail "consumer.autoscaling: the hpa engine needs a metric: set targetCPUUtilizationPercentage or enable lag." }}
{{- end }}
{{- else if gt (int .Values.consumer.replicaCount) $partitions }}
{{- fail (printf "consumer.replicaCount (%d) exceeds topics.messages.partitions (%d): a consumer beyond the partition count gets no partition and sits idle." (int .Values.consumer.replicaCount) $partitions) }}
{{- end }}
{{- if and (eq .Values.redis.mode "none") (gt (int .Values.gateway.replicaCount) 1) }}
{{- fail (printf "gateway.replicaCount is %d but redis.mode is none: gateways share clients and the status view through Redis; set redis.mode internal or external, or run one gateway." (int .Values.gateway.replicaCount)) }}
{{- end }}
{{- if and (eq .Values.redis.mode "external") (not (or .Values.redis.external.url .Values.redis.external.existingSecret)) }}
{{- fail "redis.mode is external: set redis.external.url or redis.external.existingSecret." }}
{{- end }}
{{- if and (eq .Values.kafka.mode "external") (not .Values.kafka.external.bootstrapServers) }}
{{- fail "kafka.mode is external: set kafka.external.bootstrapServers (host:port[,host:port])." }}
{{- end }}
{{- if and (eq .Values.kafka.mode "external") .Values.kafka.external.sasl.mechanism (not .Values.kafka.external.sasl.username) }}
{{- fail "kafka.external.sasl.mechanism is set: set kafka.external.sasl.username too." }}
{{- end }}
{{- if and (eq .Values.kafka.mode "external") .Values.kafka.external.sasl.mechanism (not (or .Values.kafka.external.sasl.password .Values.kafka.external.sasl.existingSecret)) }}
{{- fail "kafka.external.sasl.mechanism is set: set kafka.external.sasl.existingSecret (or password)." }}
{{- end }}
{{- if eq .Values.kafka.mode "strimzi" }}
{{- $brokers := int .Values.kafka.strimzi.nodePool.replicas }}
{{- if gt (int (include "flowcast.topics.replicationFactor" .)) $brokers }}
{{- fail (printf "topics.replicationFactor (%s) exceeds kafka.strimzi.nodePool.replicas (%d): Kafka cannot place more replicas than brokers." (include "flowcast.topics.replicationFactor" .) $brokers) }}
{{- end }}
{{- if and .Values.kafka.strimzi.authorization (ne .Values.kafka.strimzi.listener.authentication "scram-sha-512") }}
{{- fail "kafka.strimzi.authorization needs kafka.strimzi.listener.authentication: scram-sha-512, so that each service has a user the ACLs can name." }}
{{- end }}
{{- end }}
{{- if and (not .Values.producer.auth.enabled) (or .Values.producer.auth.apiKeys .Values.producer.auth.existingSecret) }}
{{- fail "producer.auth.apiKeys or existingSecret is set but producer.auth.enabled is false: the keys would be ignored. Enable it, or remove them." }}
{{- end }}
{{- if and (not .Values.gateway.auth.enabled) (or .Values.gateway.auth.socketSecret .Values.gateway.auth.existingSecret) }}
{{- fail "gateway.auth.socketSecret or existingSecret is set but gateway.auth.enabled is false: the secret would be ignored. Enable it, or remove it." }}
{{- end }}
{{- if and .Values.otel.enabled (not .Values.otel.endpoint) }}
{{- fail "otel.enabled: set otel.endpoint (OTEL_EXPORTER_OTLP_ENDPOINT)." }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "httpRoute.enabled: set httpRoute.parentRefs to the Gateway the route attaches to, e.g. [{name: eg, namespace: envoy-gateway-system}]." }}
{{- end }}
{{- range $component := splitList " " (include "flowcast.components" .) }}
{{- $values := index $.Values $component }}
{{- if not (kindIs "invalid" $values.terminationGracePeriodSeconds) }}
{{- $minimum := int (include "flowcast.minimumGraceSeconds" (dict "ctx" $ "component" $component)) }}
{{- if lt (int $values.terminationGracePeriodSeconds) $minimum }}
{{- fail (printf "%s.terminationGracePeriodSeconds (%d) is shorter than preStopSleepSeconds (%d) + SHUTDOWN_TIMEOUT_MS (%d ms) + 5 s: the kubelet would kill the service before its graceful shutdown ends. Use at least %d." $component (int $values.terminationGracePeriodSeconds) (int $values.preStopSleepSeconds) (int64 $.Values.config.shutdownTimeoutMs) $minimum) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flowcast.otelResourceAttributes" -}}
{{- $attributes := list "service.namespace=flowcast" "k8s.namespace.name=$(POD_NAMESPACE)" "k8s.pod.name=$(POD_NAME)" "service.instance.id=$(POD_NAME)" }}
{{- range $name, $value := .Values.otel.resourceAttributes }}
{{- $attributes = append $attributes (printf "%s=%s" $name (toString $value)) }}
{{- end }}
{{- join "," $attributes }}
{{- end }}
