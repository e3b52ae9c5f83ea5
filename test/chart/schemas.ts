import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ConfigMap, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { STRIMZI_CRDS_DIR, type K8sObject } from './helm.js';

type Validate = (object: K8sObject) => void;

interface ModelClass {
  new (data: never): { validate(): void };
}

const model =
  (Model: ModelClass): Validate =>
  (object) =>
    new Model(object as never).validate();

/** Kubernetes, KEDA, Gateway API and Prometheus Operator objects, by their own schema libraries. */
const MODELS: Record<string, Validate> = {
  'v1/ConfigMap': model(ConfigMap),
  'v1/Secret': model(Secret),
  'v1/Service': model(Service),
  'v1/ServiceAccount': model(ServiceAccount),
  'v1/Pod': model(Pod),
  'apps/v1/Deployment': model(Deployment),
  'apps/v1/StatefulSet': model(StatefulSet),
  'autoscaling/v2/HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'networking.k8s.io/v1/Ingress': model(Ingress),
  'keda.sh/v1alpha1/ScaledObject': model(ScaledObject),
  'keda.sh/v1alpha1/TriggerAuthentication': model(TriggerAuthentication),
  'gateway.networking.k8s.io/v1/HTTPRoute': model(HTTPRoute),
  'monitoring.coreos.com/v1/ServiceMonitor': model(ServiceMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': model(PrometheusRule),
};

export const STRIMZI_KINDS = ['Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser'];

/**
 * A CRD's openAPIV3Schema as the API server enforces it with strict field validation (what
 * `kubectl apply` does by default): a field the schema does not declare is an error, except
 * under x-kubernetes-preserve-unknown-fields.
 */
function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([name, sub]) => [name, strictSchema(sub)])) : strictSchema(value);
  }
  if (copy['properties'] !== undefined && copy['additionalProperties'] === undefined && copy['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy['additionalProperties'] = false;
  }
  return copy;
}

let strimzi: Map<string, ValidateFunction> | undefined;

/** Validators for Strimzi's kinds from its CRDs; undefined when the CRDs folder is absent. */
export function strimziValidators(): Map<string, ValidateFunction> | undefined {
  if (!existsSync(STRIMZI_CRDS_DIR)) return undefined;
  if (strimzi !== undefined) return strimzi;
  // Kubernetes' structural-schema keywords (x-kubernetes-*, nullable) are not JSON Schema: not strict.
  const ajv = new Ajv({ strict: false, allErrors: true });
  strimzi = new Map();
  for (const file of readdirSync(STRIMZI_CRDS_DIR).filter((name) => name.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(STRIMZI_CRDS_DIR, file), 'utf8')) as {
      spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: object } }> };
    };
    for (const version of crd.spec.versions) {
      const schema = strictSchema(version.schema.openAPIV3Schema) as Record<string, unknown>;
      // metadata is the API server's own; the CRD schema only says "object".
      strimzi.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
    }
  }
  return strimzi;
}

export type Verdict = { checked: 'model' | 'strimzi-crd' } | { skipped: string };

/** Validates one rendered object against its schema; throws with the reasons when invalid. */
export function validateObject(object: K8sObject): Verdict {
  const key = `${object.apiVersion}/${object.kind}`;
  const validate = MODELS[key];
  if (validate !== undefined) {
    validate(object);
    return { checked: 'model' };
  }
  if (object.apiVersion.startsWith('kafka.strimzi.io/')) {
    const validators = strimziValidators();
    if (validators === undefined) return { skipped: `Strimzi CRDs not found at ${STRIMZI_CRDS_DIR}` };
    const crd = validators.get(key);
    if (crd === undefined) throw new Error(`${key}: no such kind/version in Strimzi's CRDs`);
    const name = object.metadata.name;
    if (!crd(object)) {
      throw new Error(`${key} ${name}: ${crd.errors?.map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`).join('; ')}`);
    }
    return { checked: 'strimzi-crd' };
  }
  throw new Error(`${key} ${object.metadata.name}: no schema to validate it against (add its model to test/chart/schemas.ts)`);
}
