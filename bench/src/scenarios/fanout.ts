import type { BenchContext } from '../support/context.js';
export async function fanoutScenario(_context: BenchContext): Promise<void> {}
