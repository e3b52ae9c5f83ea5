import type { BenchContext } from '../support/context.js';
export async function endToEndScenario(_context: BenchContext): Promise<void> {}
