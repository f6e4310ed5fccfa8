// The console table of a bench run (the same rows BENCHMARKS.md shows).

const n = (/** @type {number | null | undefined} */ x, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x.toFixed(digits)).toLocaleString('en-US'));
const b = (/** @type {number | null | undefined} */ x) => (x === null || x === undefined ? '–' : x.toLocaleString('en-US'));

/**
 * Rows of [#, figure, ours, reference, ratio, target, status].
 * @param {Record<string, any>} results
 * @returns {string[][]}
 */
export function rows(results) {
  const F = results.figures;
  /** @type {string[][]} */
  const out = [];
  const status = (/** @type {any} */ f, /** @type {string} */ miss) => (f.pass ? 'pass' : `MISS ${miss}`);
  if (F[1]) {
    const { esm, iife } = F[1].bundles;
    const cell = (/** @type {any} */ x) => (x ? `${b(x.raw?.bytes)} / ${b(x.minified.bytes)} / ${b(x.minified.gzip)}` : '–');
    const worst = Math.max(esm?.minified.gzip ?? 0, iife?.minified.gzip ?? 0);
    out.push(['1', 'bundle bytes, ES module: raw / min / gzip', cell(esm), `wavtools alone: ${b(F[1].context.wavtools.gzip)} gzip`, '', '≤ 20,480 gzip', status(F[1], `(+${b(worst - 20480)} B)`)]);
    out.push(['1', 'bundle bytes, IIFE: raw / min / gzip', cell(iife), `Lit + 1 element: ${b(F[1].context.litMinimalElement.gzip)} gzip`, '', '≤ 20,480 gzip', '']);
  }
  if (F[2]) {
    const o = F[2].ours.oldestSampleMs;
    const r = F[2].reference.oldestSampleMs;
    out.push(['2', 'capture → wire, oldest sample of each append, ms p50 / p95', `${n(o.p50)} / ${n(o.p95)}`, `${n(r.p50)} / ${n(r.p95)}`, `${n(F[2].ratio.p50)}× / ${n(F[2].ratio.p95)}×`, 'p95 ≤ 25', status(F[2], `(+${n(o.p95 - 25)} ms)`)]);
    const oe = F[2].ours.everySampleMs;
    const re = F[2].reference.everySampleMs;
    if (oe && re) out.push(['2', '  every sample, ms p50 / p95', `${n(oe.p50)} / ${n(oe.p95)}`, `${n(re.p50)} / ${n(re.p95)}`, `${n(re.p50 / oe.p50)}× / ${n(re.p95 / oe.p95)}×`, '', '']);
  }
  if (F[3]) {
    const o = F[3].ours;
    const r = F[3].reference;
    out.push(['3', 'first audio, ms p50 / p95', `${n(o.p50)} / ${n(o.p95)}`, `${n(r.p50)} / ${n(r.p95)}`, `${n(F[3].ratio.p50)}× / ${n(F[3].ratio.p95)}×`, 'p95 ≤ 40', status(F[3], `(+${n(o.p95 - 40)} ms)`)]);
  }
  if (F[4]) {
    const o = F[4].ours;
    const r = F[4].reference;
    out.push(['4', 'barge-in → silent, ms p50 / p95 / max', `${n(o.p50)} / ${n(o.p95)} / ${n(o.max)}`, `${n(r.p50)} / ${n(r.p95)} / ${n(r.max)}`, '', 'p95 ≤ 10', status(F[4], `(+${n(o.p95 - 10)} ms)`)]);
  }
  if (F[5]) {
    const o = F[5].ours;
    const r = F[5].reference;
    const a = F[5].agentsRealtimeRule;
    out.push([
      '5',
      `truncation error, ms p50 / p95 / max (${o.interruptions} interruptions, ${o.afterDone} after done)`,
      `${n(o.errorVsAtSpeakerMs.p50)} / ${n(o.errorVsAtSpeakerMs.p95)} / ${n(o.errorVsAtSpeakerMs.max)}`,
      `${n(r.errorVsAtSpeakerMs.p50)} / ${n(r.errorVsAtSpeakerMs.p95)} / ${n(r.errorVsAtSpeakerMs.max)}`,
      `${n(F[5].ratio.max)}× (max)`,
      'max ≤ 20',
      status(F[5], `(+${n(o.errorVsAtSpeakerMs.max - 20)} ms)`),
    ]);
    out.push(['5', '  agents-realtime wall-clock rule on the same interruptions (in the reference column)', '', `${n(a.errorVsAtSpeakerMs.p50)} / ${n(a.errorVsAtSpeakerMs.p95)} / ${n(a.errorVsAtSpeakerMs.max)}`, '', '', '']);
    out.push(['5', '  vs every sample played (the output-path tail included)', `${n(o.errorVsPlayedMs.p50)} / ${n(o.errorVsPlayedMs.p95)} / ${n(o.errorVsPlayedMs.max)}`, `${n(r.errorVsPlayedMs.p50)} / ${n(r.errorVsPlayedMs.p95)} / ${n(r.errorVsPlayedMs.max)}`, '', '', '']);
  }
  if (F[6]) {
    const o = F[6].ours;
    const r = F[6].reference;
    out.push(['6', 'underruns / clicks under jitter 0–60 ms, bursts', `${o.underruns} / ${o.clicks} (${n(o.agentAudioSeconds)} s)`, `${r.underruns} / ${r.clicks} (${n(r.agentAudioSeconds)} s)`, '', '0', status(F[6], `(${o.underruns + o.clicks})`)]);
  }
  if (F[7]) {
    const o = F[7].ours;
    const r = F[7].reference;
    out.push(['7', 'main thread, ms per minute of duplex audio (panel open)', `${n(o.taskMsPerMin)} [${n(o.range[0])}–${n(o.range[1])}]`, `${n(r.taskMsPerMin)} [${n(r.range[0])}–${n(r.range[1])}]`, `${n(F[7].ratio, 2)}×`, '≥ 3× less', status(F[7], F[7].ratio < 3 ? `(ours takes ${n(o.taskMsPerMin / r.taskMsPerMin)}× the reference's time)` : `(${o.longTasks} long tasks)`)]);
    out.push(['7', '  long tasks (> 50 ms) / longest', `${o.longTasks} / ${n(o.longestTaskMs)} ms`, `${r.longTasks} / ${n(r.longestTaskMs)} ms`, '', 'none > 50 ms', '']);
    if (F[7].oursNotRendered) out.push(['7', '  ours with the element not rendered (display: none)', `${n(F[7].oursNotRendered.taskMsPerMin)}`, '', `${n(F[7].ratioNotRendered, 2)}×`, '', '']);
  }
  if (F[8]) {
    const h = F[8].heap;
    const c = F[8].cycles.afterStop;
    out.push(['8', `JS heap growth, ${h.turns} turns (${n(h.agentAudioMinutes)} min of agent audio)`, `${n(h.growthBytes / 1024)} KB`, '', '', '≤ 2 MB', status(F[8], `(heap ${n(h.growthBytes / 1048576, 2)} MB; live ${c.contexts}/${c.tracks}/${c.sockets})`)]);
    out.push(['8', `  live contexts / tracks / sockets after ${F[8].cycles.cycles} start/stop`, `${c.contexts} / ${c.tracks} / ${c.sockets}`, '', '', '0', '']);
  }
  if (F[9]) {
    const last = F[9].steps.filter((/** @type {any} */ s) => s.pass).at(-1);
    out.push(['9', 'server capacity: sessions with p99 event lag < 50 ms', `${F[9].maxSessions}${last ? ` (p99 ${n(last.lagP99)} ms)` : ''}`, '', '', '≥ 200', status(F[9], `(${F[9].maxSessions} < 200)`)]);
  }
  return out;
}

/** @param {Record<string, any>} results */
export function printTable(results) {
  const m = results.meta;
  console.log(`\nrealtime-voice bench, ${m.mode} run, ${m.startedAt}`);
  console.log(`${m.machine.cores} cores ${m.machine.cpu}, ${m.machine.memoryGB} GB; Chromium ${m.chromium ?? '–'} headless; Node ${m.machine.node}; agent voice ${m.voice ?? '–'}`);
  console.log(`load average (1/5/15 min) at start ${m.loadAverageAtStart?.join(' / ') ?? '–'}, at end ${m.loadAverageAtEnd?.join(' / ') ?? '–'} (2.0 = both cores busy)`);
  console.log(`bundle: ${m.bundleSource ?? '–'}\n`);
  const header = ['#', 'figure', 'ours', 'reference', 'ratio', 'target', 'status'];
  const table = [header, ...rows(results)];
  const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  for (const [i, r] of table.entries()) {
    console.log(r.map((c, j) => (c ?? '').padEnd(widths[j] ?? 0)).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  }
}

/**
 * The same table as Markdown (for BENCHMARKS.md): `node bench/lib/report.mjs [results.json]`.
 * @param {Record<string, any>} results
 */
export function markdown(results) {
  const esc = (/** @type {string} */ c) => (c ?? '').replace(/\|/g, '\\|');
  const lines = ['| # | figure | ours | reference | ratio | target | status |', '|---|---|---|---|---|---|---|'];
  for (const r of rows(results)) lines.push(`| ${r.map(esc).join(' | ')} |`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { readFile } = await import('node:fs/promises');
  const file = process.argv[2] ?? new URL('../results.json', import.meta.url);
  console.log(markdown(JSON.parse(await readFile(file, 'utf8'))));
}
