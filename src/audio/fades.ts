// Fade shapes for the player: raised-cosine (half a Hann window), the shape with a continuous
// slope at both ends, so a fade adds no click of its own. A fade of length n covers exactly n
// samples: fade-in gains rise strictly from ~0 to ~1 and the sample after the fade has gain 1;
// fade-out gains are the mirror image and the sample after the fade has gain 0.

/** Longest fade the player allows (the bound for start, underrun and clear). */
export const MAX_FADE_MS = 5;

/** Fade length in samples for `ms` at `rate`, clamped to [1, MAX_FADE_MS]. */
export function fadeLength(ms: number, rate: number): number {
  const clamped = Math.min(Math.max(ms, 0), MAX_FADE_MS);
  return Math.max(1, Math.floor((clamped * rate) / 1000));
}

/** Gain of sample `k` (0-based) of a fade-in of `n` samples: strictly inside (0, 1), rising. */
export function fadeInGain(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return 0.5 - 0.5 * Math.cos((Math.PI * (k + 0.5)) / n);
}

/** Gain of sample `k` (0-based) of a fade-out of `n` samples: strictly inside (0, 1), falling. */
export function fadeOutGain(k: number, n: number): number {
  if (k < 0) return 1;
  if (k >= n) return 0;
  return fadeInGain(n - 1 - k, n);
}

/** Fills `dst[0..n)` with a fade-in (`'in'`) or fade-out (`'out'`) of `n` samples. */
export function fadeCurve(dst: Float32Array, n: number, direction: 'in' | 'out'): Float32Array {
  const m = Math.min(n, dst.length);
  for (let k = 0; k < m; k++) dst[k] = direction === 'in' ? fadeInGain(k, n) : fadeOutGain(k, n);
  return dst;
}
