import type { BenchContext } from '../support/context.js';
export async function consumerScenario(_context: BenchContext): Promise<void> {}
