import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/environment.js';
import { render } from './helm.js';

/** No image can be built here (no container engine): the Dockerfile is checked against the tree. */

interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  args: string[];
  raw: string;
}
interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const flags: Record<string, string> = {};
    const words = rest.filter((word) => {
      const flag = /^--([a-z-]+)(?:=(.*))?$/.exec(word);
      if (flag === null) return true;
      flags[flag[1]!] = flag[2] ?? 'true';
      return false;
    });
    const instruction = { keyword: keyword.toUpperCase(), flags, args: words, raw: line };
    if (instruction.keyword === 'FROM') {
      stages.push({ name: words[2] ?? String(stages.length), from: words[0]!, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value = ''] = words[0]!.split('=');
      args[name!] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages };
}

/** .dockerignore patterns as regular expressions (the subset Docker documents: *, **, ?). */
function dockerignore(): RegExp[] {
  return readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      const body = pattern
        .replace(/^\//, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '{ANY-DIRS}')
        .replace(/\*\*/g, '.*')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\{ANY-DIRS\}/g, '(?:.*/)?');
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

const ignored = (path: string) => dockerignore().some((pattern) => pattern.test(path));
const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stage = (name: string) => {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  assert.ok(found, `stage ${name}`);
  return found;
};
const runs = (name: string) => stage(name).instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.raw);
const runtime = dockerfile.stages.at(-1)!;
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[]; scripts: Record<string, string> };

describe('Dockerfile', () => {
  it('every COPY from the build context names files that exist and that .dockerignore lets through', () => {
    for (const { name, instructions } of dockerfile.stages) {
      for (const copy of instructions.filter((instruction) => instruction.keyword === 'COPY' && instruction.flags['from'] === undefined)) {
        for (const source of copy.args.slice(0, -1)) {
          assert.ok(existsSync(join(ROOT, source)), `${name}: COPY ${source}: no such file`);
          if (source !== '.') assert.ok(!ignored(source), `${name}: COPY ${source} is excluded by .dockerignore`);
        }
      }
    }
  });

  it('every COPY --from names an earlier stage, and paths that stage made', () => {
    dockerfile.stages.forEach(({ name, instructions }, index) => {
      const earlier = dockerfile.stages.slice(0, index);
      for (const copy of instructions.filter((instruction) => instruction.flags['from'] !== undefined)) {
        const from = earlier.find((candidate) => candidate.name === copy.flags['from']);
        assert.ok(from, `${name}: COPY --from=${copy.flags['from']} names no earlier stage`);
        const source = copy.args[0]!;
        const workdir = from.instructions.findLast((instruction) => instruction.keyword === 'WORKDIR')?.args[0];
        const made = from.instructions.some((instruction) => instruction.raw.includes(source.replace(/\/$/, ''))) || (workdir !== undefined && source.startsWith(`${workdir}/`));
        assert.ok(made, `${name}: ${source} is not made by stage ${from.name}`);
      }
    });
  });

  it('the build context holds what the root build needs: manifests, tsconfigs and every referenced project', () => {
    const references = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { references: Array<{ path: string }> }).references;
    for (const path of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.base.json', ...references.map((reference) => reference.path)]) {
      assert.ok(existsSync(join(ROOT, path)), path);
      assert.ok(!ignored(path), `.dockerignore excludes ${path}, which npm run build needs`);
    }
    for (const generated of ['node_modules', 'services/common/dist', '.git', 'charts']) assert.ok(ignored(generated), `${generated} stays out of the context`);
  });

  it('the build stage runs the root npm ci and npm run build; the runtime gets production dependencies only', () => {
    assert.match(runs('build').join('\n'), /npm ci\b/);
    assert.match(runs('build').join('\n'), /npm run build\b/);
    assert.match(runs('prod-deps').join('\n'), /npm ci --omit=dev/);
    const copies = runtime.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => `${instruction.flags['from']}:${instruction.args[0]}`);
    assert.ok(copies.includes('prod-deps:/app/node_modules'), 'node_modules from the production install');
    assert.ok(!copies.some((copy) => copy.startsWith('build:/app/node_modules')), 'never the build stage\'s node_modules');
    // Every workspace is under services/, where the manifests stage finds each package.json.
    for (const workspace of rootManifest.workspaces) assert.match(workspace, /^services\/[^/]+$/, workspace);
    assert.match(runs('manifests').join('\n'), /find services -mindepth 2 -maxdepth 2 -name package\.json/);
    // The build stage keeps each workspace's dist and package.json, which the runtime copies.
    assert.match(runs('build').join('\n'), /! -name dist ! -name package\.json/);
    assert.ok(copies.includes('build:/app/services'));
  });

  it('the runtime stage: Node 24 slim, a numeric non-root user, no npm, no compiler', () => {
    const base = runtime.from.replace(/^\$\{(\w+)\}$/, (_, name: string) => dockerfile.args[name] ?? '');
    assert.match(base, /^(docker\.io\/library\/)?node:24(\.\d+)*-slim$/);
    for (const { from } of dockerfile.stages) assert.equal(from, runtime.from, 'every stage on the same base');
    const user = runtime.instructions.findLast((instruction) => instruction.keyword === 'USER')?.args[0] ?? 'root';
    assert.match(user, /^[1-9]\d*(:[1-9]\d*)?$/, 'numeric, so that runAsNonRoot can check it');
    const runtimeRuns = runtime.instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.raw).join('\n');
    assert.doesNotMatch(runtimeRuns, /npm (ci|install)|apt-get install|tsc/);
    assert.match(runtimeRuns, /rm -rf .*node_modules\/npm/, 'npm is removed from the final image');
    assert.equal(runtime.instructions.findLast((instruction) => instruction.keyword === 'WORKDIR')?.args[0], '/app');
  });

  it("the start commands are the services' real entry points", () => {
    // Default command: the producer's start script, by its path from /app.
    const cmd = JSON.parse(runtime.instructions.findLast((instruction) => instruction.keyword === 'CMD')!.raw.replace(/^CMD\s+/, '')) as string[];
    const producerStart = (JSON.parse(readFileSync(join(ROOT, 'services', 'producer', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
    assert.deepEqual(cmd, [...producerStart.slice(0, -1), `services/producer/${producerStart.at(-1)!}`]);
    const objects = render();
    for (const service of ['producer', 'consumer', 'gateway']) {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'services', service, 'package.json'), 'utf8')) as { main: string; scripts: { start: string } };
      const tsconfig = JSON.parse(readFileSync(join(ROOT, 'services', service, 'tsconfig.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
      // dist/main.js is what tsc emits for src/main.ts, and what package.json starts.
      assert.equal(manifest.main, `${tsconfig.compilerOptions.outDir}/main.js`);
      assert.ok(existsSync(join(ROOT, 'services', service, tsconfig.compilerOptions.rootDir, 'main.ts')));
      // `node`, Node's flags where the service has some, and its entry point.
      const start = manifest.scripts.start.split(' ');
      assert.deepEqual([start[0], start.at(-1)], ['node', manifest.main]);
      assert.ok(start.slice(1, -1).every((flag) => flag.startsWith('--')), manifest.scripts.start);
      const deployment = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === `flowcast-${service}`)!;
      const container = (deployment.spec as { template: { spec: { containers: Array<{ command: string[]; workingDir: string }> } } }).template.spec.containers[0]!;
      assert.deepEqual(container.command, start);
      assert.equal(container.workingDir, `/app/services/${service}`);
    }
    assert.deepEqual(readdirSync(join(ROOT, 'services')).sort(), rootManifest.workspaces.map((workspace) => workspace.replace('services/', '')).sort());
  });
});
