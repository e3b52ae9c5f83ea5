import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../support/environment.js';

/** The chart as committed; its `observability` link points at the repository's observability/. */
export const CHART_DIR = join(ROOT, 'charts/flowcast');
export const OBSERVABILITY_DIR = join(ROOT, 'observability');
/** Strimzi's CRDs, beside the repository (absent in clones without shared/). */
export const STRIMZI_CRDS_DIR = join(ROOT, '../shared/schemas/strimzi-crds');
/** A Kubernetes version the chart supports (`helm template` otherwise assumes an old one). */
export const KUBE_VERSION = '1.33.0';

/** Values files of the render matrix: the chart defaults, each ci/ file, and kind's. */
export const MATRIX: Record<string, string[]> = {
  defaults: [],
  ...Object.fromEntries(
    readdirSync(join(CHART_DIR, 'ci'))
      .filter((file) => file.endsWith('-values.yaml'))
      .map((file) => [file.replace(/-values\.yaml$/, ''), [join(CHART_DIR, 'ci', file)]]),
  ),
  kind: [join(ROOT, 'k8s/kind-values.yaml')],
};

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** The helm binary: $HELM, then PATH, then ~/go/bin (where scripts/lib/common.sh ensure_helm puts it). */
export function helmBinary(): string {
  const candidates = [process.env['HELM'], 'helm', join(homedir(), 'go/bin/helm')].filter((name): name is string => !!name);
  for (const candidate of candidates) {
    if (spawnSync(candidate, ['version', '--short'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('helm not found: run `bash -c "source scripts/lib/common.sh && ensure_helm"` (make test does it)');
}

const staged: string[] = [];
after(() => {
  for (const dir of staged) rmSync(dir, { recursive: true, force: true });
});

/**
 * The chart directory to hand to helm. With the repository's observability/ present, the
 * committed chart itself (helm follows the link). Otherwise, or when `observability` names
 * another folder, a copy of the chart whose link points there (an empty folder when absent:
 * before the observability files exist, helm would refuse the dangling link).
 */
const stagedFor = new Map<string, string>();

export function chartDir(observability?: string): string {
  if (observability === undefined && existsSync(OBSERVABILITY_DIR)) return CHART_DIR;
  const known = stagedFor.get(observability ?? '');
  if (known !== undefined) return known;
  const dir = mkdtempSync(join(tmpdir(), 'flowcast-chart-'));
  staged.push(dir);
  const chart = join(dir, 'flowcast');
  cpSync(CHART_DIR, chart, { recursive: true, filter: (source) => source !== join(CHART_DIR, 'observability') });
  if (observability === undefined) mkdirSync(join(chart, 'observability'));
  else symlinkSync(observability, join(chart, 'observability'));
  stagedFor.set(observability ?? '', chart);
  return chart;
}

export interface RenderOptions {
  files?: string[];
  set?: Record<string, string | number | boolean>;
  chart?: string;
  release?: string;
}

export class HelmError extends Error {
  constructor(readonly stderr: string) {
    super(stderr.trim());
  }
}

export function helm(args: string[]): string {
  const result = spawnSync(helmBinary(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new HelmError(`${result.stderr}${result.stdout}`);
  return result.stdout;
}

const renders = new Map<string, K8sObject[]>();

/** `helm template` with these values, parsed into objects (cached: the same input renders the same). */
export function render({ files = [], set = {}, chart = chartDir(), release = 'flowcast' }: RenderOptions = {}): K8sObject[] {
  const args = ['template', release, chart, '--namespace', 'flowcast', '--kube-version', KUBE_VERSION];
  for (const file of files) args.push('--values', file);
  for (const [key, value] of Object.entries(set)) args.push('--set', `${key}=${String(value)}`);
  const key = args.join('\u0000');
  const cached = renders.get(key);
  if (cached !== undefined) return cached;
  const objects = parseAllDocuments(helm(args))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML is invalid: ${document.errors.join('; ')}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
  renders.set(key, objects);
  return objects;
}

/** The error helm prints for these values (fails the test when they render). */
export function renderError(options: RenderOptions): string {
  try {
    render(options);
  } catch (error) {
    if (error instanceof HelmError) return error.stderr;
    throw error;
  }
  throw new Error(`expected helm to refuse ${JSON.stringify(options.set ?? options.files)}`);
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const [object, ...others] = find(objects, kind, name);
  if (object === undefined || others.length > 0) throw new Error(`expected one ${kind} ${name}, found ${others.length + (object ? 1 : 0)}`);
  return object;
}

/** The git-tracked type of a path (a symlink is mode 120000). */
export function gitMode(path: string): string {
  return execFileSync('git', ['ls-files', '--stage', path], { cwd: ROOT, encoding: 'utf8' }).split(' ')[0] ?? '';
}
