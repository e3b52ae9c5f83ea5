import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from '../support/environment.js';
import {
  CHART_DIR,
  MATRIX,
  OBSERVABILITY_DIR,
  chartDir,
  find,
  gitMode,
  helm,
  one,
  render,
  renderError,
  type K8sObject,
} from './helm.js';
import { STRIMZI_KINDS, strimziValidators, validateObject } from './schemas.js';

const COMPONENTS = ['producer', 'consumer', 'gateway'] as const;
const fullname = (suffix: string) => `flowcast-${suffix}`;

interface Container {
  name: string;
  image: string;
  command?: string[];
  workingDir?: string;
  ports?: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  terminationGracePeriodSeconds?: number;
}

/** The pod spec of a Deployment, StatefulSet or Pod. */
function podSpec(object: K8sObject): PodSpec | undefined {
  if (object.kind === 'Pod') return object.spec as unknown as PodSpec;
  if (object.kind === 'Deployment' || object.kind === 'StatefulSet') {
    return (object.spec as { template: { spec: PodSpec } }).template.spec;
  }
  return undefined;
}

function deployment(objects: K8sObject[], component: string): K8sObject {
  return one(objects, 'Deployment', fullname(component));
}

function container(objects: K8sObject[], component: string): Container {
  return podSpec(deployment(objects, component))!.containers[0]!;
}

function checksums(objects: K8sObject[]): Record<string, string> {
  return Object.fromEntries(
    COMPONENTS.map((component) => {
      const annotations = (deployment(objects, component).spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
        .annotations;
      return [component, `${annotations['checksum/config']}/${annotations['checksum/secret']}`];
    }),
  );
}

function configMap(objects: K8sObject[], component: string): Record<string, string> {
  return one(objects, 'ConfigMap', fullname(component)).data ?? {};
}

const source = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('helm chart: lint and the render matrix', () => {
  it('helm lint --strict passes, with every values file of the matrix', () => {
    for (const [name, files] of Object.entries(MATRIX)) {
      const output = helm(['lint', '--strict', chartDir(), ...files.flatMap((file) => ['--values', file])]);
      assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/, `${name}: ${output}`);
    }
  });

  for (const [name, files] of Object.entries(MATRIX)) {
    it(`renders "${name}" and every object is valid against its schema`, (t) => {
      const objects = render({ files });
      assert.ok(objects.length > 10, `${name} rendered ${objects.length} objects`);
      const skipped = new Set<string>();
      for (const object of objects) {
        const verdict = validateObject(object);
        if ('skipped' in verdict) skipped.add(verdict.skipped);
      }
      for (const reason of skipped) t.diagnostic(`Strimzi objects not validated: ${reason}`);
      const names = objects.map((object) => `${object.kind}/${object.metadata.name}`);
      assert.equal(new Set(names).size, names.length, `duplicate objects in ${name}`);
    });
  }

  it("the matrix covers what the issue names: KEDA, Ingress and HTTPRoute, external Kafka, persistent storage, monitoring off", () => {
    const kinds = (name: string) => new Set(render({ files: MATRIX[name]! }).map((object) => object.kind));
    assert.ok(kinds('keda').has('ScaledObject'));
    assert.ok(kinds('ingress').has('Ingress'));
    assert.ok(kinds('httproute').has('HTTPRoute'));
    assert.ok(!kinds('external-kafka').has('Kafka'));
    const pool = one(render({ files: MATRIX['persistent']! }), 'KafkaNodePool', 'kafka');
    assert.equal((pool.spec as { storage: { type: string } }).storage.type, 'persistent-claim');
    const off = kinds('monitoring-off');
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) assert.ok(!off.has(kind), kind);
  });

  it("validates Strimzi objects against Strimzi's CRDs, and the check catches a wrong field", (t) => {
    if (strimziValidators() === undefined) {
      t.skip('../shared/schemas/strimzi-crds/ is absent in this clone: Strimzi objects are not validated');
      return;
    }
    const objects = render({ files: MATRIX['persistent']! });
    for (const kind of STRIMZI_KINDS) assert.ok(find(objects, kind).length > 0, `no ${kind} rendered`);
    const topic = structuredClone(find(objects, 'KafkaTopic')[0]!);
    (topic.spec as Record<string, unknown>)['partitionCount'] = 6;
    assert.throws(() => validateObject(topic), /must NOT have additional properties.*partitionCount/);
    const kafka = structuredClone(one(objects, 'Kafka', 'flowcast'));
    (kafka.spec as { kafka: { listeners: Array<{ type: string }> } }).kafka.listeners[0]!.type = 'internl';
    assert.throws(() => validateObject(kafka), /must be equal to one of the allowed values/);
  });

  it('the model checks catch a wrong type in a core object', () => {
    const object = structuredClone(deployment(render(), 'producer'));
    (podSpec(object)!.containers[0]!.securityContext as Record<string, unknown>)['runAsNonRoot'] = 'yes';
    assert.throws(() => validateObject(object), /runAsNonRoot must be boolean/);
  });
});

describe('helm chart: its promises', () => {
  it('consumer replicas never exceed the messages partitions, whatever the engine', () => {
    for (const [name, files] of Object.entries(MATRIX)) {
      const objects = render({ files });
      const partitions = Number(configMap(objects, 'consumer')['TOPIC_MESSAGES_PARTITIONS']);
      for (const hpa of find(objects, 'HorizontalPodAutoscaler')) {
        assert.ok((hpa.spec as { maxReplicas: number }).maxReplicas <= partitions, `${name}: HPA over ${partitions}`);
      }
      for (const scaled of find(objects, 'ScaledObject')) {
        const spec = scaled.spec as { maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
        assert.ok(spec.maxReplicaCount <= partitions, `${name}: ScaledObject over ${partitions}`);
        const kafka = spec.triggers.find((trigger) => trigger.type === 'kafka')!;
        assert.equal(kafka.metadata['allowIdleConsumers'], 'false');
        assert.equal(kafka.metadata['topic'], configMap(objects, 'consumer')['TOPIC_MESSAGES']);
        assert.equal(kafka.metadata['consumerGroup'], configMap(objects, 'consumer')['CONSUMER_GROUP_ID']);
      }
      const replicas = (deployment(objects, 'consumer').spec as { replicas?: number }).replicas;
      if (replicas !== undefined) assert.ok(replicas <= partitions, `${name}: ${replicas} consumers`);
    }
  });

  it('refuses more consumers than partitions, with a message that says why', () => {
    assert.match(renderError({ set: { 'consumer.autoscaling.maxReplicas': 7 } }), /consumer\.autoscaling\.maxReplicas \(7\) exceeds topics\.messages\.partitions \(6\)/);
    assert.match(
      renderError({ set: { 'consumer.autoscaling.engine': 'keda', 'consumer.autoscaling.maxReplicas': 10, 'topics.messages.partitions': 8 } }),
      /maxReplicas \(10\) exceeds topics\.messages\.partitions \(8\)/,
    );
    assert.match(renderError({ set: { 'consumer.autoscaling.enabled': false, 'consumer.replicaCount': 9 } }), /consumer\.replicaCount \(9\) exceeds/);
    const twelve = render({ set: { 'topics.messages.partitions': 12, 'consumer.autoscaling.maxReplicas': 12 } });
    assert.equal((one(twelve, 'HorizontalPodAutoscaler', fullname('consumer')).spec as { maxReplicas: number }).maxReplicas, 12);
  });

  it('scale-down is stabilised and gradual, so that the group does not rebalance in storms', () => {
    for (const files of [[], MATRIX['keda']!]) {
      const objects = render({ files });
      const hpa = find(objects, 'HorizontalPodAutoscaler')[0]?.spec as { behavior: Behavior } | undefined;
      const scaled = find(objects, 'ScaledObject')[0]?.spec as { advanced: { horizontalPodAutoscalerConfig: { behavior: Behavior } } } | undefined;
      const behavior = hpa?.behavior ?? scaled!.advanced.horizontalPodAutoscalerConfig.behavior;
      assert.ok(behavior.scaleDown.stabilizationWindowSeconds >= 60);
      assert.ok(behavior.scaleDown.policies.every((policy) => policy.type === 'Pods' && policy.value === 1));
    }
  });

  it('every container runs as non-root, read-only, without privilege escalation or capabilities', () => {
    for (const [name, files] of Object.entries(MATRIX)) {
      for (const object of render({ files })) {
        const spec = podSpec(object);
        if (spec === undefined) continue;
        for (const item of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const where = `${name}: ${object.kind}/${object.metadata.name} container ${item.name}`;
          const context: Record<string, unknown> = { ...spec.securityContext, ...item.securityContext };
          assert.equal(context['runAsNonRoot'], true, where);
          assert.notEqual(context['runAsUser'], 0, where);
          assert.equal(item.securityContext?.['readOnlyRootFilesystem'], true, where);
          assert.equal(item.securityContext?.['allowPrivilegeEscalation'], false, where);
          assert.deepEqual(item.securityContext?.capabilities?.drop, ['ALL'], where);
        }
      }
    }
  });

  it('probes point at the endpoints the services register, on the port each service listens on', () => {
    // The routes, from the code: OperationsController (no prefix) serves healthz, readyz, metrics.
    const operations = source('services/common/src/nest/operations.ts');
    assert.match(operations, /@Controller\(\)\s*export class OperationsController/);
    const routes = [...operations.matchAll(/@Get\('([^']+)'\)/g)].map((match) => `/${match[1]}`);
    assert.deepEqual(routes.sort(), ['/healthz', '/metrics', '/readyz']);
    for (const component of COMPONENTS) {
      assert.match(source(`services/${component}/src/app.module.ts`), /controllers: \[[^\]]*OperationsController/, `${component} registers the operations routes`);
      assert.doesNotMatch(source(`services/${component}/src/main.ts`), /setGlobalPrefix/, `${component} has no global route prefix`);
    }
    for (const [name, files] of Object.entries(MATRIX)) {
      const objects = render({ files });
      for (const component of COMPONENTS) {
        const item = container(objects, component);
        const port = item.ports!.find((candidate) => candidate.name === 'http')!.containerPort;
        assert.equal(String(port), configMap(objects, component)['PORT'], `${name}: ${component} listens where its probes look`);
        assert.equal(item.startupProbe?.httpGet?.path, '/healthz');
        assert.equal(item.livenessProbe?.httpGet?.path, '/healthz');
        assert.equal(item.readinessProbe?.httpGet?.path, '/readyz');
        for (const probe of [item.startupProbe, item.livenessProbe, item.readinessProbe]) {
          assert.ok(routes.includes(probe!.httpGet!.path));
          assert.equal(probe!.httpGet!.port, 'http');
        }
        const service = one(objects, 'Service', fullname(component)).spec as { ports: Array<{ targetPort: string }> };
        assert.equal(service.ports[0]!.targetPort, 'http');
      }
      for (const monitor of find(objects, 'ServiceMonitor')) {
        const endpoint = (monitor.spec as { endpoints: Array<{ path: string; relabelings: Array<{ targetLabel: string; replacement?: string }> }> }).endpoints[0]!;
        assert.ok(routes.includes(endpoint.path));
        // observability/'s rules and dashboards select the scrape jobs by these names.
        const job = endpoint.relabelings.find((relabeling) => relabeling.targetLabel === 'job');
        assert.match(job?.replacement ?? '', /^flowcast-(producer|consumer|gateway)$/);
        assert.match(source('observability/prometheus/rules/flowcast.yaml'), new RegExp(`job="${job!.replacement!}"`));
      }
    }
  });

  it('routes send /producers to the producer (its controller prefix) and the rest to the gateway', () => {
    assert.match(source('services/producer/src/ingest/ingest.controller.ts'), /@Controller\('producers'\)/);
    const route = one(render({ files: MATRIX['httproute']! }), 'HTTPRoute', 'flowcast').spec as {
      rules: Array<{ matches: Array<{ path: { value: string } }>; backendRefs: Array<{ name: string }>; sessionPersistence?: { type: string } }>;
    };
    assert.deepEqual(
      route.rules.map((rule) => [rule.matches[0]!.path.value, rule.backendRefs[0]!.name]),
      [
        ['/producers', fullname('producer')],
        ['/', fullname('gateway')],
      ],
    );
    assert.equal(route.rules[1]!.sessionPersistence?.type, 'Cookie', 'long-polling sessions stick to one gateway');
    const ingress = one(render({ files: MATRIX['ingress']! }), 'Ingress', 'flowcast');
    assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/affinity'], 'cookie');
    assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
  });

  it('the command of each Deployment is its service\'s own start script, in its folder of the image', () => {
    for (const component of COMPONENTS) {
      const manifest = JSON.parse(source(`services/${component}/package.json`)) as { scripts: { start: string }; main: string };
      const item = container(render(), component);
      assert.equal(item.command!.join(' '), manifest.scripts.start, component);
      assert.equal(item.workingDir, `/app/services/${component}`);
      assert.ok(existsSync(join(ROOT, `services/${component}/src/main.ts`)));
    }
  });

  it('a change to a service\'s configuration changes its checksum, and only its own', () => {
    const base = checksums(render());
    assert.deepEqual(checksums(render()), base, 'the same values render the same checksums');
    const everyone = checksums(render({ set: { 'config.logLevel': 'debug' } }));
    for (const component of COMPONENTS) assert.notEqual(everyone[component], base[component], component);
    const gatewayOnly = checksums(render({ set: { 'gateway.statsIntervalMs': 500 } }));
    assert.notEqual(gatewayOnly['gateway'], base['gateway']);
    assert.equal(gatewayOnly['producer'], base['producer']);
    assert.equal(gatewayOnly['consumer'], base['consumer']);
    const keys = checksums(render({ set: { 'producer.auth.existingSecret': 'keys' } }));
    assert.notEqual(keys['producer'], base['producer'], 'a credentials change rolls the pods too');
    // What the checksum covers is what the pods read: the ConfigMap the container loads.
    for (const component of COMPONENTS) {
      assert.equal(container(render(), component).envFrom?.[0]?.configMapRef?.name, fullname(component));
    }
  });

  it('the termination grace period covers the preStop sleep and the graceful shutdown', () => {
    for (const [name, files] of Object.entries(MATRIX)) {
      const objects = render({ files });
      for (const component of COMPONENTS) {
        const spec = podSpec(deployment(objects, component))!;
        const shutdownMs = Number(configMap(objects, component)['SHUTDOWN_TIMEOUT_MS']);
        const preStop = spec.containers[0]!.lifecycle?.preStop?.sleep?.seconds ?? 0;
        assert.ok(spec.terminationGracePeriodSeconds! >= preStop + shutdownMs / 1000, `${name}: ${component}`);
      }
    }
    assert.equal(podSpec(deployment(render({ set: { 'config.shutdownTimeoutMs': 40000 } }), 'gateway'))!.terminationGracePeriodSeconds, 50);
    assert.match(
      renderError({ set: { 'producer.terminationGracePeriodSeconds': 10 } }),
      /producer\.terminationGracePeriodSeconds \(10\) is shorter than preStopSleepSeconds \(5\) \+ SHUTDOWN_TIMEOUT_MS \(15000 ms\) \+ 5 s/,
    );
  });

  it('invalid values are refused by values.schema.json, naming the value and what is wrong', () => {
    const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as { $schema: string };
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const cases: Array<[Record<string, string | number | boolean>, RegExp]> = [
      [{ replicas: 3 }, /additional properties 'replicas' not allowed/],
      [{ 'consumer.autoscaling.maxReplica': 3 }, /at '\/consumer\/autoscaling': additional properties 'maxReplica' not allowed/],
      [{ 'consumer.replicaCount': 'two' }, /at '\/consumer\/replicaCount': got string, want integer/],
      [{ 'kafka.mode': 'zookeeper' }, /at '\/kafka\/mode': value must be one of 'strimzi', 'external'/],
      [{ 'kafka.strimzi.version': '3.9.0' }, /at '\/kafka\/strimzi\/version': value must be one of/],
      [{ 'topics.messages.partitions': 0 }, /at '\/topics\/messages\/partitions': minimum: got 0, want 1/],
      [{ 'consumer.autoscaling.engine': 'vpa' }, /at '\/consumer\/autoscaling\/engine': value must be one of 'hpa', 'keda'/],
      [{ 'exposure.host': 'https://flowcast.example.com' }, /at '\/exposure\/host'/],
      [{ 'gateway.cors.origins[0]': 'example.com' }, /at '\/gateway\/cors\/origins\/0'/],
      [{ 'redis.auth.password': 'p@ss/word' }, /at '\/redis\/auth\/password'/],
      [{ 'config.logLevel': 'verbose' }, /at '\/config\/logLevel': value must be one of/],
    ];
    for (const [set, message] of cases) {
      const error = renderError({ set });
      assert.match(error, /values don't meet the specifications of the schema/, JSON.stringify(set));
      assert.match(error, message, JSON.stringify(set));
    }
    assert.match(renderError({ set: { 'gateway.replicaCount': 2, 'redis.mode': 'none' } }), /gateway\.replicaCount is 2 but redis\.mode is none/);
    assert.match(renderError({ set: { 'kafka.mode': 'external' } }), /set kafka\.external\.bootstrapServers/);
    assert.match(renderError({ set: { 'httpRoute.enabled': true } }), /set httpRoute\.parentRefs/);
    assert.match(renderError({ set: { 'kafka.strimzi.authorization': true } }), /authorization needs kafka\.strimzi\.listener\.authentication: scram-sha-512/);
    assert.match(renderError({ set: { 'topics.replicationFactor': 3 } }), /topics\.replicationFactor \(3\) exceeds kafka\.strimzi\.nodePool\.replicas \(1\)/);
  });

  it('sets only variables the services read', () => {
    const declared = (path: string) => [...source(path).matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((match) => match[1]!);
    const shared = declared('services/common/src/config/shared-environment.ts');
    for (const [name, files] of Object.entries(MATRIX)) {
      const objects = render({ files });
      for (const component of COMPONENTS) {
        // OTEL_* are read by the OpenTelemetry SDK itself; POD_* only feed $(…) references.
        const known = new Set([...shared, ...declared(`services/${component}/src/config.ts`), 'POD_NAME', 'POD_NAMESPACE']);
        const names = [...Object.keys(configMap(objects, component)), ...(container(objects, component).env ?? []).map((variable) => variable.name)];
        for (const variable of names) {
          if (variable.startsWith('OTEL_')) continue;
          assert.ok(known.has(variable), `${name}: ${component} gets ${variable}, which it does not read`);
        }
        assert.ok(names.includes('INSTANCE_ID'));
        assert.equal(configMap(objects, component)['KAFKA_CREATE_TOPICS'], name === 'external-kafka' ? 'true' : 'false');
      }
    }
    const instance = container(render(), 'consumer').env!.find((variable) => variable.name === 'INSTANCE_ID');
    assert.equal(instance?.value, '$(POD_NAME)', 'the pod name, through the downward API');
    assert.equal(configMap(render(), 'gateway')['CORS_ORIGINS'], 'http://flowcast.local,https://flowcast.local', 'an allow-list, not *');
    assert.equal(configMap(render(), 'producer')['CORS_ORIGINS'], 'http://flowcast.local,https://flowcast.local', 'the dashboard’s origin, not *');
    assert.equal(configMap(render(), 'gateway')['PRODUCER_PUBLIC_URL'], 'http://flowcast.local', 'the dashboard reaches the producer on the same host');
    const withPrometheus = configMap(render({ set: { 'gateway.prometheusUrl': 'http://prometheus:9090' } }), 'gateway');
    assert.equal(withPrometheus['PROMETHEUS_SELECTOR'], 'namespace="flowcast"', "only this release's series");
  });

  it('wires Kafka credentials and TLS from the KafkaUser and cluster CA Secrets Strimzi makes', () => {
    const objects = render({ files: MATRIX['persistent']! });
    for (const component of COMPONENTS) {
      const data = configMap(objects, component);
      assert.equal(data['KAFKA_SASL_MECHANISM'], 'SCRAM-SHA-512');
      assert.equal(data['KAFKA_SASL_USERNAME'], fullname(component));
      assert.equal(data['KAFKA_BROKERS'], 'flowcast-kafka-bootstrap:9093');
      one(objects, 'KafkaUser', fullname(component));
      const password = container(objects, component).env!.find((variable) => variable.name === 'KAFKA_SASL_PASSWORD');
      assert.deepEqual(password?.valueFrom?.secretKeyRef, { name: fullname(component), key: 'password' });
      const volumes = (podSpec(deployment(objects, component)) as unknown as { volumes: Array<{ name: string; secret?: { secretName: string } }> }).volumes;
      assert.equal(volumes.find((volume) => volume.name === 'kafka-ca')?.secret?.secretName, 'flowcast-cluster-ca-cert');
    }
    const topics = find(objects, 'KafkaTopic').map((topic) => (topic.spec as { topicName: string; replicas: number }).topicName);
    assert.deepEqual(topics.sort(), ['message-events', 'messages', 'messages.dlq', 'orders.processed']);
  });
});

/** A container's variable that comes from a Secret, as "secret/key"; undefined when it is not set. */
function secretRef(objects: K8sObject[], component: string, variable: string): string | undefined {
  const found = container(objects, component).env?.find((entry) => entry.name === variable);
  const ref = found?.valueFrom?.secretKeyRef;
  return ref === undefined ? undefined : `${ref.name}/${ref.key}`;
}

function testPodRef(objects: K8sObject[], variable: string): string | undefined {
  const pod = one(objects, 'Pod', 'flowcast-test-pipeline');
  const ref = podSpec(pod)!.containers[0]!.env?.find((entry) => entry.name === variable)?.valueFrom?.secretKeyRef;
  return ref === undefined ? undefined : `${ref.name}/${ref.key}`;
}

function secretData(objects: K8sObject[], name: string): Record<string, string> {
  const secret = find(objects, 'Secret').find((object) => object.metadata.name === name);
  return Object.fromEntries(Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

describe('helm chart: production-safe defaults (API keys, Socket.IO tokens, rate limit), development open', () => {
  it('by default requires an API key and a Socket.IO token, with credentials the chart generates', () => {
    const objects = render();
    const generated = secretData(objects, 'flowcast-credentials');
    assert.match(generated['api-keys'] ?? '', /^[A-Za-z0-9]{40}$/, 'one generated key');
    assert.match(generated['socket-auth-secret'] ?? '', /^[A-Za-z0-9]{48}$/, 'a generated secret, longer than the 32 characters required');
    assert.equal(secretRef(objects, 'producer', 'API_KEYS'), 'flowcast-credentials/api-keys');
    // The gateway verifies the tokens, the producer signs one into each 202; the workers need none.
    assert.equal(secretRef(objects, 'gateway', 'SOCKET_AUTH_SECRET'), 'flowcast-credentials/socket-auth-secret');
    assert.equal(secretRef(objects, 'producer', 'SOCKET_AUTH_SECRET'), 'flowcast-credentials/socket-auth-secret');
    assert.equal(secretRef(objects, 'consumer', 'SOCKET_AUTH_SECRET'), undefined);
    assert.equal(secretRef(objects, 'gateway', 'API_KEYS'), undefined);
    // helm test uses the same credentials: the first key, and a token it signs with the secret.
    assert.equal(testPodRef(objects, 'FLOWCAST_API_KEYS'), 'flowcast-credentials/api-keys');
    assert.equal(testPodRef(objects, 'FLOWCAST_SOCKET_AUTH_SECRET'), 'flowcast-credentials/socket-auth-secret');
    // In the script, the key goes as Authorization: Bearer (a header the producer reads), not a guess.
    assert.match(readFileSync(join(CHART_DIR, 'files/smoke-test.mjs'), 'utf8'), /authorization: `Bearer \$\{apiKey\}`/);
  });

  it('rate-limits the ingest API by default, and trusts one proxy hop only behind a route', () => {
    const producer = configMap(render(), 'producer');
    assert.equal(producer['RATE_LIMIT_MAX'], '600');
    assert.equal(producer['RATE_LIMIT_WINDOW_MS'], '60000');
    assert.equal(producer['TRUST_PROXY'], 'false', 'no route: the address is the client’s');
    for (const name of ['httproute', 'ingress', 'kind']) assert.equal(configMap(render({ files: MATRIX[name]! }), 'producer')['TRUST_PROXY'], '1', name);
    assert.equal(configMap(render({ set: { 'producer.rateLimit.max': 0 } }), 'producer')['RATE_LIMIT_MAX'], '0', 'off');
    assert.equal(configMap(render({ set: { 'producer.requestTimeoutMs': 60000 } }), 'producer')['REQUEST_TIMEOUT_MS'], '60000');
  });

  it('uses given keys, or existing Secrets, and never generates over them', () => {
    const given = render({ set: { 'producer.auth.apiKeys[0]': 'first-key-0123456789', 'producer.auth.apiKeys[1]': 'second-key-0123456789', 'gateway.auth.socketSecret': 's'.repeat(40) } });
    assert.equal(secretData(given, 'flowcast-credentials')['api-keys'], 'first-key-0123456789,second-key-0123456789');
    assert.equal(secretData(given, 'flowcast-credentials')['socket-auth-secret'], 's'.repeat(40));
    const existing = render({ files: MATRIX['external-kafka']! });
    assert.equal(secretRef(existing, 'producer', 'API_KEYS'), 'flowcast-api-keys/keys');
    assert.equal(secretRef(existing, 'gateway', 'SOCKET_AUTH_SECRET'), 'flowcast-socket-auth/secret');
    assert.equal(secretRef(existing, 'producer', 'SOCKET_AUTH_SECRET'), 'flowcast-socket-auth/secret');
    assert.equal(testPodRef(existing, 'FLOWCAST_API_KEYS'), 'flowcast-api-keys/keys');
    const stored = secretData(existing, 'flowcast-credentials');
    assert.ok(!('api-keys' in stored) && !('socket-auth-secret' in stored), 'nothing generated next to an existing Secret');
  });

  it('keeps the open development defaults where asked (k8s/kind-values.yaml): no key, no token', () => {
    for (const objects of [render({ files: MATRIX['kind']! }), render({ set: { 'producer.auth.enabled': false, 'gateway.auth.enabled': false } })]) {
      for (const component of COMPONENTS) {
        assert.equal(secretRef(objects, component, 'API_KEYS'), undefined);
        assert.equal(secretRef(objects, component, 'SOCKET_AUTH_SECRET'), undefined);
      }
      assert.equal(testPodRef(objects, 'FLOWCAST_API_KEYS'), undefined);
      assert.equal(testPodRef(objects, 'FLOWCAST_SOCKET_AUTH_SECRET'), undefined);
      assert.deepEqual(secretData(objects, 'flowcast-credentials'), {});
    }
  });

  it('refuses credentials that cannot work, or would be ignored', () => {
    assert.match(renderError({ set: { 'producer.auth.apiKeys[0]': 'short' } }), /at '\/producer\/auth\/apiKeys\/0'/);
    assert.match(renderError({ set: { 'producer.auth.apiKeys[0]': 'has a space 0123456789' } }), /at '\/producer\/auth\/apiKeys\/0'/);
    assert.match(renderError({ set: { 'gateway.auth.socketSecret': 'too-short' } }), /at '\/gateway\/auth\/socketSecret'/);
    assert.match(renderError({ set: { 'producer.auth.enabled': false, 'producer.auth.existingSecret': 'keys' } }), /producer\.auth\.enabled is false: the keys would be ignored/);
    assert.match(renderError({ set: { 'gateway.auth.enabled': false, 'gateway.auth.socketSecret': 's'.repeat(40) } }), /gateway\.auth\.enabled is false: the secret would be ignored/);
  });

  it("gives the gateways Redis' password apart from the URL", () => {
    const objects = render();
    const url = container(objects, 'gateway').env!.find((entry) => entry.name === 'REDIS_URL');
    assert.equal(url?.value, 'redis://flowcast-redis:6379/0');
    assert.equal(secretRef(objects, 'gateway', 'REDIS_PASSWORD'), 'flowcast-redis/redis-password');
  });
});

describe('helm chart: dashboards and rules from observability/, one source', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'flowcast-observability-'));
  after(() => rmSync(fixture, { recursive: true, force: true }));
  mkdirSync(join(fixture, 'grafana/dashboards'), { recursive: true });
  mkdirSync(join(fixture, 'prometheus/rules'), { recursive: true });
  writeFileSync(join(fixture, 'grafana/dashboards/overview.json'), '{\n  "title": "Flowcast overview",\n  "panels": [{"expr": "sum(rate(flowcast_x[5m])) > 0 && \\"<b>\\""}]\n}\n');
  writeFileSync(join(fixture, 'grafana/dashboards/Kafka_Lag.json'), '{"title": "Kafka lag"}');
  writeFileSync(join(fixture, 'prometheus/rules/flowcast-alerts.yaml'), 'groups:\n  - name: flowcast\n    rules:\n      - alert: FlowcastDown\n        expr: up{job=~"flowcast.*"} == 0\n        for: 1m\n        labels: {severity: critical}\n');
  writeFileSync(join(fixture, 'prometheus/rules/slo.yaml'), 'groups:\n  - name: slo\n    rules:\n      - record: flowcast:latency:p95\n        expr: histogram_quantile(0.95, sum by (le) (rate(flowcast_e2e_seconds_bucket[5m])))\n');

  function assertOneObjectPerFile(objects: K8sObject[], dir: string): void {
    const dashboards = existsSync(join(dir, 'grafana/dashboards')) ? readdirSync(join(dir, 'grafana/dashboards')).filter((file) => file.endsWith('.json')) : [];
    const rules = existsSync(join(dir, 'prometheus/rules')) ? readdirSync(join(dir, 'prometheus/rules')).filter((file) => file.endsWith('.yaml')) : [];
    const dashboardMaps = find(objects, 'ConfigMap').filter((map) => map.metadata.labels?.['grafana_dashboard'] !== undefined);
    assert.equal(dashboardMaps.length, dashboards.length, 'one ConfigMap per dashboard');
    for (const file of dashboards) {
      const [map, ...others] = dashboardMaps.filter((candidate) => candidate.metadata.annotations?.['flowcast/source'] === `observability/grafana/dashboards/${file}`);
      assert.ok(map !== undefined && others.length === 0, `exactly one ConfigMap for ${file}`);
      assert.deepEqual(map.data, { [file]: readFileSync(join(dir, 'grafana/dashboards', file), 'utf8') }, `${file}, byte for byte`);
    }
    const prometheusRules = find(objects, 'PrometheusRule');
    assert.equal(prometheusRules.length, rules.length, 'one PrometheusRule per rule file');
    for (const file of rules) {
      const [rule, ...others] = prometheusRules.filter((candidate) => candidate.metadata.annotations?.['flowcast/source'] === `observability/prometheus/rules/${file}`);
      assert.ok(rule !== undefined && others.length === 0, `exactly one PrometheusRule for ${file}`);
      assert.deepEqual(rule.spec, { groups: (parse(readFileSync(join(dir, 'prometheus/rules', file), 'utf8')) as { groups: unknown }).groups }, file);
    }
  }

  it('the chart reads observability/ through a committed symbolic link, not a copy', () => {
    assert.equal(gitMode('charts/flowcast/observability'), '120000');
    assert.doesNotMatch(readFileSync(join(CHART_DIR, '.helmignore'), 'utf8'), /observability/, 'packaged with the chart');
  });

  it('each dashboard and each rule file becomes exactly one object with that file\'s content', () => {
    const objects = render({ chart: chartDir(fixture), set: { 'monitoring.prometheusRule.labels.release': 'kps' } });
    assertOneObjectPerFile(objects, fixture);
    const dashboard = one(objects, 'ConfigMap', 'flowcast-dashboard-kafka-lag');
    assert.equal(dashboard.metadata.labels?.['grafana_dashboard'], '1');
    for (const object of objects) validateObject(object);
    const none = render({ chart: chartDir(fixture), set: { 'monitoring.prometheusRule.enabled': false, 'monitoring.grafanaDashboards.enabled': false } });
    assert.equal(find(none, 'PrometheusRule').length, 0);
  });

  it("the repository's own observability files, whatever is there today", (t) => {
    if (!existsSync(OBSERVABILITY_DIR)) t.diagnostic('observability/ does not exist yet: no dashboards or rules to package');
    assertOneObjectPerFile(render(), OBSERVABILITY_DIR);
  });

  it('helm lint and helm package follow the link: the package holds the files', () => {
    const chart = chartDir(fixture);
    assert.match(helm(['lint', '--strict', chart]), /0 chart\(s\) failed/);
    const out = mkdtempSync(join(tmpdir(), 'flowcast-package-'));
    try {
      helm(['package', chart, '--destination', out]);
      const [archive] = readdirSync(out);
      const listing = helmArchiveListing(join(out, archive!));
      assert.ok(listing.includes('flowcast/observability/grafana/dashboards/overview.json'), listing);
      assert.ok(listing.includes('flowcast/observability/prometheus/rules/slo.yaml'));
      assert.ok(!listing.includes('flowcast/ci/'), 'the test values stay out of the package');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

interface Behavior {
  scaleDown: { stabilizationWindowSeconds: number; policies: Array<{ type: string; value: number }> };
}

/** The files of a chart archive (.tgz). */
function helmArchiveListing(archive: string): string {
  return execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' });
}
