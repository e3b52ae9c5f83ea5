import type { BenchContext } from '../support/context.js';
export async function kafkaClientsScenario(_context: BenchContext): Promise<void> {}
