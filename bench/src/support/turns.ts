/**
 * The contenders of round `run`, in turns: each round starts with the next one. No contender is
 * then always measured first, or always right after the same other one (while the broker still
 * writes out the previous run's batches, or the load generator collects its garbage): on this
 * machine such an order moves a rate by more than the ratios the targets ask for.
 */
export function inTurns<T>(contenders: readonly T[], run: number): T[] {
  const shift = run % contenders.length;
  return [...contenders.slice(shift), ...contenders.slice(0, shift)];
}
