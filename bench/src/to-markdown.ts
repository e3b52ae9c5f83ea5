/**
 * Prints a results file of the harness as a Markdown table, with its profile, commit, machine
 * and load averages, for docs/performance.md:
 *
 *   node bench/dist/to-markdown.js bench/results/latest-full.json
 */
import { readFileSync } from 'node:fs';
import { markdownTable, type FigureSummary, type Machine } from './support/report.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: to-markdown.js <results.json>');
const results = JSON.parse(readFileSync(path, 'utf8')) as {
  profile: string;
  smoke: boolean;
  startedAt: string;
  commit?: string;
  machine: Machine;
  loadAverages: Array<{ scenario: string; loadAverage1m: number }>;
  figures: FigureSummary[];
  notes: string[];
};
const { machine } = results;
const loads = results.loadAverages.map((entry) => `${entry.scenario} ${entry.loadAverage1m}`).join(', ');
process.stdout.write(
  [
    `${results.smoke ? '**Smoke run (quick profile): not results.** ' : ''}Profile \`${results.profile}\`, ${results.startedAt}, commit ${results.commit ?? 'unknown'}; ` +
      `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}; load average (1 min) at each scenario's start: ${loads}.`,
    '',
    markdownTable(results.figures),
    ...results.notes.map((note) => `\n- ${note}`),
    '',
  ].join('\n'),
);
