// Preloaded into `node --test` and each test file's process (npm run test:unit, test:integration).
// With --test-force-exit, a test file's process exits while the last results it wrote to the
// runner may still sit in its stdout pipe, and the runner then reports fewer tests than ran,
// still passing (nodejs/node#64833: a CI run here lost the four tests of a suite). Blocking writes
// leave nothing behind.
process.stdout._handle?.setBlocking?.(true);
