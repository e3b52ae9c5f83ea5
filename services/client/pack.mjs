// Packs @flowcast/client as a self-contained npm package: the contract modules it re-exports
// (built from services/common/src/contracts, which depend on zod only) are copied into
// dist/contracts and imported from there, so that a user installs this package alone, not the
// private @flowcast/common with its server dependencies. Usage: node pack.mjs [destination]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const destination = resolve(process.argv[2] ?? here);
const contracts = join(dirname(fileURLToPath(import.meta.resolve('@flowcast/common/contracts'))));
const common = JSON.parse(readFileSync(join(contracts, '..', '..', 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));

const staging = mkdtempSync(join(tmpdir(), 'flowcast-client-'));
try {
  const skip = (path) => path.endsWith('.map') || /\.spec\.(js|d\.ts)$/.test(path);
  cpSync(join(here, 'dist'), join(staging, 'dist'), { recursive: true, filter: (path) => !skip(path) });
  cpSync(contracts, join(staging, 'dist', 'contracts'), { recursive: true, filter: (path) => !skip(path) });
  cpSync(join(here, 'README.md'), join(staging, 'README.md'));
  for (const file of walk(join(staging, 'dist'))) {
    if (!/\.(js|d\.ts)$/.test(file) || file.includes(`${join('dist', 'contracts')}`)) continue;
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replaceAll("'@flowcast/common/contracts'", "'./contracts/index.js'"));
  }
  const { ['@flowcast/common']: _private, ...dependencies } = manifest.dependencies;
  const packed = { ...manifest, dependencies: { ...dependencies, zod: common.dependencies.zod } };
  delete packed.scripts;
  delete packed.devDependencies;
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(packed, null, 2)}\n`);
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd: staging, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(output);
  process.stdout.write(`${join(destination, filename)}\n`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
