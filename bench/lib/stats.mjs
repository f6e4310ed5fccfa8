// Order statistics for the figures (nearest-rank percentiles).

/** @param {number[]} values @param {number} p 0..100 */
export function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const rank = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[rank];
}

/** @param {number[]} values */
export const median = (values) => percentile(values, 50);

/**
 * p50/p95/max (and n, mean, min) of a distribution, rounded to 0.1.
 * @param {number[]} values
 */
export function dist(values) {
  const v = values.filter((x) => Number.isFinite(x));
  const r = (/** @type {number | null} */ x) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    n: v.length,
    p50: r(percentile(v, 50)),
    p95: r(percentile(v, 95)),
    p99: r(percentile(v, 99)),
    max: r(v.length ? Math.max(...v) : null),
    min: r(v.length ? Math.min(...v) : null),
    mean: r(v.length ? v.reduce((a, b) => a + b, 0) / v.length : null),
  };
}

/** @param {number} x @param {number} [digits] */
export const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

/**
 * Percentiles of a weighted sample ([value, weight] pairs), rounded to 0.1.
 * @param {[number, number][]} pairs
 */
export function weightedDist(pairs) {
  const v = pairs.filter(([x, w]) => Number.isFinite(x) && w > 0).sort((a, b) => a[0] - b[0]);
  const total = v.reduce((n, [, w]) => n + w, 0);
  const at = (/** @type {number} */ p) => {
    if (!v.length) return null;
    let acc = 0;
    for (const [x, w] of v) {
      acc += w;
      if (acc >= (p / 100) * total) return Math.round(x * 10) / 10;
    }
    return Math.round(/** @type {[number, number]} */ (v.at(-1))[0] * 10) / 10;
  };
  return { samples: total, p50: at(50), p95: at(95), max: at(100) };
}
