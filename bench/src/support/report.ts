import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { ProfileName } from '#loadtest/scenarios.js';
import { median } from './stats.js';

/** What a figure must achieve: a ratio to its baseline, or a bound on Flowcast's own value. */
export type Target = { ratioAtLeast: number } | { atMost: number } | { atLeast: number };

/** One measured quantity: every run of Flowcast and, where there is one, of its baseline. */
export interface Figure {
  scenario: string;
  /** The case within the scenario: `c=64`, `100k rows`, `500/s`… */
  case: string;
  measure: string;
  unit: string;
  flowcast: number[];
  baseline?: { name: string; runs: number[] };
  target?: Target;
  /** How runs combine: the median (default), or the sum for counts of failures and losses. */
  combine?: 'median' | 'sum';
}

export interface FigureSummary extends Figure {
  flowcastMedian: number;
  baselineMedian?: number;
  ratio?: number;
  verdict: 'meets' | 'misses' | 'no target';
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
}

/** Collects the figures of a run, prints them as a table and writes them as JSON for the docs. */
export class Report {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];
  readonly #loads: Array<{ scenario: string; loadAverage1m: number; at: string }> = [];
  readonly #startedAt = new Date();

  constructor(readonly profile: ProfileName) {}

  add(figure: Figure): void {
    this.figures.push(figure);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** The machine's load when a scenario starts: other work on a shared machine shows here. */
  recordLoad(scenario: string): void {
    this.#loads.push({ scenario, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100, at: new Date().toISOString() });
  }

  summaries(): FigureSummary[] {
    return this.figures.map((figure) => {
      const combine = figure.combine === 'sum' ? sum : median;
      const flowcastMedian = combine(figure.flowcast);
      const baselineMedian = figure.baseline === undefined ? undefined : combine(figure.baseline.runs);
      const ratio = baselineMedian === undefined || baselineMedian === 0 ? undefined : flowcastMedian / baselineMedian;
      return { ...figure, flowcastMedian, ...(baselineMedian === undefined ? {} : { baselineMedian }), ...(ratio === undefined ? {} : { ratio }), verdict: verdictOf(figure.target, flowcastMedian, ratio) };
    });
  }

  print(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): void {
    const rows = this.summaries();
    const header = ['scenario', 'case', 'measure', 'flowcast', 'baseline', 'ratio', 'target', 'verdict'];
    const cells = rows.map((row) => [
      row.scenario,
      row.case,
      `${row.measure} (${row.unit})`,
      formatNumber(row.flowcastMedian),
      row.baselineMedian === undefined ? '—' : `${formatNumber(row.baselineMedian)} ${row.baseline!.name}`,
      row.ratio === undefined ? '—' : row.ratio.toFixed(2),
      describeTarget(row.target),
      row.verdict === 'no target' ? '' : row.verdict,
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
    const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
    write('');
    if (this.profile === 'quick') write('QUICK PROFILE — smoke sizes: these figures check that the harness works; they are not results.');
    write(`medians of ${describeRuns(rows)} runs (counts: totals); ratio = flowcast ÷ baseline, measured in the same run`);
    write(line(header));
    write(line(widths.map((width) => '-'.repeat(width))));
    for (const row of cells) write(line(row));
    for (const note of this.notes) write(`note: ${note}`);
    write('');
  }

  /** Writes `<dir>/<time>-<profile>.json` and `<dir>/latest-<profile>.json`; returns the first path. */
  write(dir: string): string {
    mkdirSync(dir, { recursive: true });
    const document = {
      profile: this.profile,
      smoke: this.profile === 'quick',
      startedAt: this.#startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      commit: gitCommit(),
      machine: machine(),
      loadAverages: this.#loads,
      figures: this.summaries(),
      notes: this.notes,
    };
    const text = `${JSON.stringify(document, null, 2)}\n`;
    const path = `${dir}/${this.#startedAt.toISOString().replace(/[:.]/g, '-')}-${this.profile}.json`;
    writeFileSync(path, text);
    writeFileSync(`${dir}/latest-${this.profile}.json`, text);
    return path;
  }
}

/** The figures as a Markdown table, for docs/performance.md. */
export function markdownTable(rows: readonly FigureSummary[]): string {
  const lines = ['| scenario | case | measure | Flowcast | baseline | ratio | target | verdict |', '|---|---|---|---|---|---|---|---|'];
  for (const row of rows) {
    const baseline = row.baselineMedian === undefined ? '' : `${formatNumber(row.baselineMedian)} (${row.baseline!.name})`;
    lines.push(
      `| ${row.scenario} | ${row.case} | ${row.measure} (${row.unit}) | ${formatNumber(row.flowcastMedian)} | ${baseline} | ${row.ratio === undefined ? '' : row.ratio.toFixed(2)} | ${describeTarget(row.target)} | ${row.verdict === 'no target' ? '' : row.verdict} |`,
    );
  }
  return lines.join('\n');
}

export function machine(): Machine {
  const processors = cpus();
  return {
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function verdictOf(target: Target | undefined, value: number, ratio: number | undefined): FigureSummary['verdict'] {
  if (target === undefined) return 'no target';
  if ('ratioAtLeast' in target) return ratio !== undefined && ratio >= target.ratioAtLeast ? 'meets' : 'misses';
  if ('atMost' in target) return value <= target.atMost ? 'meets' : 'misses';
  return value >= target.atLeast ? 'meets' : 'misses';
}

function describeTarget(target: Target | undefined): string {
  if (target === undefined) return '';
  if ('ratioAtLeast' in target) return `ratio ≥ ${target.ratioAtLeast}`;
  if ('atMost' in target) return `≤ ${formatNumber(target.atMost)}`;
  return `≥ ${formatNumber(target.atLeast)}`;
}

function describeRuns(rows: readonly FigureSummary[]): string {
  const counts = new Set(rows.map((row) => row.flowcast.length));
  return [...counts].sort((a, b) => a - b).join('/') || '0';
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (Number.isInteger(value) || magnitude >= 100) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
