// vue-tsc needs TypeScript's JavaScript API, which TypeScript 7 (the project's tsc) no longer
// has: it runs on this workspace's own TypeScript 6 (a devDependency nested here, so that the
// root's `tsc` stays 7). Same checks (strict), templates included.
require('vue-tsc').run(require.resolve('typescript/lib/tsc', { paths: [__dirname] }));
