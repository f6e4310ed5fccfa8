// Reconnection delays: exponential with jitter, so many widgets dropped by one server blip do not
// all come back in the same millisecond.

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  baseMs?: number;
  /** Upper bound of any delay, before jitter. */
  maxMs?: number;
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/**
 * Delay before retry number `attempt` (0-based): `base · 2^attempt`, capped at `max`, then
 * "equal jitter" — uniformly in [½, 1] of that — so it never collapses to zero yet still spreads.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? BACKOFF_BASE_MS;
  const max = options.maxMs ?? BACKOFF_MAX_MS;
  const exp = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(exp / 2 + (exp / 2) * r);
}
