/**
 * The wait before retry number `attempt` (0 for the first): exponential from
 * `initialMs`, capped at `maxMs`, with "equal jitter" (half fixed, half
 * random) so that many app instances coming back after one outage do not
 * retry in step. A `Retry-After` from OneGate is a floor, still capped.
 */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 40));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.round(Math.min(maxMs, Math.max(jittered, retryAfterMs ?? 0)));
}
