// `npm run bench`: the nine figures of issue 6, ours side by side with the reference console's
// audio stack (wavtools + openai-realtime-api-beta's base64) where the issue asks for it, in one
// headless Chromium against the local Realtime server. Prints a table and writes
// bench/results.json. A tool, not a test: figures never fail the process (only a crash does).
//
//   npm run bench                     full run (about 10 minutes on 2 cores)
//   BENCH_QUICK=1 npm run bench       smoke run (about a minute; figures are indicative only)
//   BENCH_ONLY=1,2,7 npm run bench    a subset of figures
//   BENCH_OUT=path.json               where to write the results (default bench/results.json)
//   BENCH_DEBUG=1                     page console errors on stderr
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRealtimeServer, synthesize, availableEngine } from '../server/simulator/index.js';
import { buildBundlesOrFallback, buildPage, contextSizes, ensureWorkletSources, quickBundles, repoRoot } from './lib/build.mjs';
import { serveBench } from './lib/serve.mjs';
import { writeMicWav, zeroFreeAgentAudio } from './lib/audio.mjs';
import { launch } from './lib/browser.mjs';
import { captureRun, cpuRun, cycleRun, heapRun, jitterRun, trialFigures, trialRun } from './lib/figures.mjs';
import { capacity } from './lib/capacity.mjs';
import { dist, median, round, weightedDist } from './lib/stats.mjs';
import { printTable } from './lib/report.mjs';

const QUICK = /^(1|true|yes)$/i.test(process.env.BENCH_QUICK ?? '');
const ONLY = new Set((process.env.BENCH_ONLY || '1,2,3,4,5,6,7,8,9').split(',').map((s) => Number(s.trim())));
const OUT = process.env.BENCH_OUT ?? fileURLToPath(new URL('./results.json', import.meta.url));
const want = (/** @type {number[]} */ ...figs) => figs.some((f) => ONLY.has(f));

/** Durations and counts. Full: about 10 minutes on 2 cores; quick: about one. */
const PLAN = QUICK
  ? { captureRuns: 1, captureSeconds: 2, trials: 2, jitterResponses: 1, cpuRuns: 1, cpuSeconds: 2, idleSeconds: 1, traceSeconds: 0, heapTurns: 4, cycles: 2, capacity: { steps: [10], settleMs: 500, measureMs: 1500, budgetMs: 15000 } }
  : { captureRuns: 2, captureSeconds: 10, trials: 22, jitterResponses: 6, cpuRuns: 3, cpuSeconds: 12, idleSeconds: 8, traceSeconds: 6, heapTurns: 180, cycles: 100, capacity: { steps: [50, 100, 150, 200, 250, 300, 400, 500, 600, 800], settleMs: 2000, measureMs: 6000, budgetMs: 100000 } };

const TEXTS = {
  /** ≈ 6 s: answers in the barge-in trials, and the capacity bench's reply. */
  trial: 'Thanks for waiting. Your order shipped on Monday with express delivery, and it should arrive within two business days.',
  /** ≈ 15 s: played back to back in the duplex and jitter benches. */
  long: 'Thanks for waiting. I found your order. It shipped on Monday with express delivery, and the carrier scanned it this morning at the regional hub. It should arrive within two business days. If it does not, reply here and I will open a claim with the carrier right away, at no cost to you.',
  /** ≈ 10 s: each accelerated chat turn. */
  chat: 'Your order shipped on Monday and should arrive on Thursday. You can follow it from the link in your confirmation email, and I can change the delivery address until it leaves the hub.',
  /** ≈ 2 s: the jitter bench in quick mode. */
  short: 'Your order shipped on Monday.',
};

const started = Date.now();
const log = (/** @type {string} */ s) => console.log(`[${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s] ${s}`);
const API_KEY = 'sk-bench-local-0123456789abcdef';

async function machine() {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return { cpu: model, cores: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

/** @type {Record<string, any>} */
const results = { meta: { startedAt: new Date().toISOString(), mode: QUICK ? 'quick' : 'full', machine: await machine(), loadAverageAtStart: loadavg().map((x) => round(x, 2)) }, figures: {} };
const F = results.figures;

const scratch = await mkdtemp(join(tmpdir(), 'rv-bench-'));
/** @type {(() => Promise<unknown>)[]} */
const cleanup = [() => rm(scratch, { recursive: true, force: true })];
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, async () => {
    for (const fn of cleanup) await fn().catch(() => {});
    process.exit(130);
  });
}

try {
  // ── build ──
  console.log(`realtime-voice bench (${QUICK ? 'quick' : 'full'}) — building…`);
  const needBundle = want(1, 2, 3, 4, 5, 6, 7, 8);
  if (needBundle && (await ensureWorkletSources())) log('  worklet sources were stale: ran scripts/build-worklets.mjs');
  const page = await buildPage(scratch);
  const built = !needBundle ? null : QUICK ? await quickBundles(scratch) : await buildBundlesOrFallback(scratch, { log: (s) => log(`  ${s}`) });
  results.meta.bundleSource = built?.source ?? null;
  if (want(1) && built) {
    const context = await contextSizes();
    F[1] = { title: 'bytes of both dist bundles', target: '≤ 20 KB (20,480 B) gzip each', bundles: built.bundles, context, pass: Object.values(built.bundles).every((b) => b.minified.gzip <= 20480) };
  }

  const needBrowser = want(2, 3, 4, 5, 6, 7, 8);
  if (needBrowser) {
    // ── local server, pages, browser ──
    const durations = {};
    for (const [k, text] of Object.entries(TEXTS)) durations[k] = (await synthesize(text)).length / 24000;
    const replySeconds = { trial: QUICK ? durations.short : durations.trial, long: QUICK ? durations.short : durations.long, chat: durations.chat };
    const texts = { long: QUICK ? TEXTS.short : TEXTS.long, trial: QUICK ? TEXTS.short : TEXTS.trial };
    let phase = /** @type {'trial' | 'long' | 'chat'} */ ('trial');
    const reply = () => (phase === 'chat' ? TEXTS.chat : phase === 'long' ? texts.long : TEXTS.trial);
    const realtime = await createRealtimeServer({ apiKey: API_KEY, scenario: { latencyMs: 150, speedup: 4, reply }, logger: { warn: () => {} } });
    cleanup.unshift(() => realtime.close());
    const zeroFree = zeroFreeAgentAudio();
    cleanup.unshift(async () => zeroFree.restore());
    const setReply = (/** @type {'trial' | 'long' | 'chat'} */ p) => {
      phase = p;
      void realtime.control('scenario', p === 'chat' ? { latencyMs: 0, speedup: 40, reply } : { latencyMs: 150, speedup: 4, reply });
    };
    const site = await serveBench({ buildDir: scratch, fixturesDir: join(repoRoot, 'test/fixtures'), realtime, apiKey: API_KEY });
    cleanup.unshift(() => site.close());
    const micWav = join(scratch, 'mic.wav');
    await writeMicWav(join(repoRoot, 'test/fixtures/speech-order.wav'), micWav);
    const browser = await launch(micWav);
    cleanup.unshift(() => browser.close());
    results.meta.chromium = browser.version();
    results.meta.voice = await availableEngine();
    results.meta.agentAudioSeconds = replySeconds;
    /** @type {import('./lib/figures.mjs').Env} */
    const env = { browser, baseUrl: site.url, instrument: page.instrument, realtime, zeroFree, setReply, replySeconds, texts, log, quick: QUICK };

    if (want(2)) {
      log('figure 2: capture-to-wire latency…');
      /** @type {Record<string, any>} */
      const r = {};
      for (const stack of /** @type {const} */ (['ref', 'ours'])) {
        const runs = [];
        for (let i = 0; i < PLAN.captureRuns; i++) runs.push(await captureRun(env, stack, PLAN.captureSeconds));
        r[stack] = {
          oldestSampleMs: dist(runs.flatMap((x) => x.oldest)),
          newestSampleMs: dist(runs.flatMap((x) => x.newest)),
          everySampleMs: weightedDist(/** @type {[number, number][]} */ (runs.flatMap((x) => x.perSample))),
          runP50s: runs.map((x) => dist(x.oldest).p50),
          appendsPerSecond: median(runs.map((x) => x.appendsPerSecond)),
          meanAppendChars: median(runs.map((x) => x.meanAppendChars)),
          unmatched: runs.reduce((n, x) => n + x.unmatched, 0),
        };
        log(`  ${stack}: p50 ${r[stack].oldestSampleMs.p50} ms, p95 ${r[stack].oldestSampleMs.p95} ms (${r[stack].oldestSampleMs.n} appends)`);
      }
      F[2] = {
        title: 'capture-to-wire latency (oldest sample of each append)',
        target: 'p95 ≤ 25 ms',
        ours: r.ours,
        reference: r.ref,
        ratio: { p50: round(r.ref.oldestSampleMs.p50 / r.ours.oldestSampleMs.p50), p95: round(r.ref.oldestSampleMs.p95 / r.ours.oldestSampleMs.p95) },
        pass: r.ours.oldestSampleMs.p95 !== null && r.ours.oldestSampleMs.p95 <= 25,
      };
    }

    if (want(3, 4, 5)) {
      log('figures 3–5: barge-in trials…');
      /** @type {Record<string, any>} */
      const r = {};
      for (const stack of /** @type {const} */ (['ref', 'ours'])) {
        r[stack] = trialFigures([await trialRun(env, stack, PLAN.trials)]);
        log(`  ${stack}: first audio p95 ${r[stack].firstAudioMs.p95} ms; barge-in p95 ${r[stack].bargeInMs.p95} ms; truncation max ${r[stack].truncation.errorVsAtSpeakerMs.max} ms (${r[stack].truncation.interruptions} interruptions)`);
      }
      F[3] = {
        title: 'first-audio latency (first output_audio.delta received → first non-silent sample out of the player)',
        target: 'p95 ≤ 40 ms',
        ours: r.ours.firstAudioMs,
        reference: r.ref.firstAudioMs,
        ratio: { p50: round(r.ref.firstAudioMs.p50 / r.ours.firstAudioMs.p50), p95: round(r.ref.firstAudioMs.p95 / r.ours.firstAudioMs.p95) },
        pass: r.ours.firstAudioMs.p95 !== null && r.ours.firstAudioMs.p95 <= 40,
      };
      F[4] = {
        title: 'barge-in latency (speech_started received → player output silent)',
        target: 'p95 ≤ 10 ms',
        ours: r.ours.bargeInMs,
        reference: r.ref.bargeInMs,
        pass: r.ours.bargeInMs.p95 !== null && r.ours.bargeInMs.p95 <= 10,
      };
      const t = (/** @type {any} */ x) => x.truncation;
      F[5] = {
        title: 'truncation error |audio_end_ms − heard| over interruptions at random points',
        target: 'max ≤ 20 ms over ≥ 20 interruptions, some after output_audio.done',
        ours: t(r.ours),
        reference: t(r.ref),
        agentsRealtimeRule: t(r.ours).agentsRule,
        ratio: { max: round(t(r.ref).errorVsAtSpeakerMs.max / Math.max(1, t(r.ours).errorVsAtSpeakerMs.max)) },
        pass: t(r.ours).errorVsAtSpeakerMs.max !== null && t(r.ours).errorVsAtSpeakerMs.max <= 20 && t(r.ours).interruptions >= (QUICK ? 1 : 20) && t(r.ours).afterDone > 0,
      };
      for (const s of ['ours', 'ref']) delete r[s].truncation.agentsRule;
    }

    if (want(6)) {
      log('figure 6: underruns and clicks under jitter…');
      const o = { responses: PLAN.jitterResponses, jitterMs: 60, burst: 4 };
      const ours = await jitterRun(env, 'ours', o);
      const ref = await jitterRun(env, 'ref', { ...o, responses: Math.max(1, Math.ceil(o.responses / 2)) });
      log(`  ours: ${ours.underruns} underruns, ${ours.clicks} clicks over ${ours.agentAudioSeconds} s; reference: ${ref.underruns} underruns, ${ref.clicks} clicks over ${ref.agentAudioSeconds} s`);
      F[6] = { title: 'underruns and clicks under jitter (0–60 ms per delta, bursts of 4)', target: '0', faults: { jitterMs: 60, burst: 4 }, ours, reference: ref, pass: ours.underruns === 0 && ours.clicks === 0 && ours.responses > 0 };
    }

    if (want(7)) {
      log('figure 7: main-thread time per minute of full-duplex audio…');
      setReply('long');
      const idle = await cpuRun(env, 'idle', PLAN.idleSeconds);
      /** @type {Record<string, any>} */
      const r = {};
      for (const stack of /** @type {const} */ (['ref', 'ours'])) {
        const runs = [];
        for (let i = 0; i < PLAN.cpuRuns; i++) runs.push(await cpuRun(env, stack, PLAN.cpuSeconds, { traceSeconds: i === PLAN.cpuRuns - 1 ? PLAN.traceSeconds : 0 }));
        const net = runs.map((x) => Math.max(0, x.taskMsPerMin - idle.taskMsPerMin));
        r[stack] = {
          taskMsPerMin: round(median(net)),
          range: [round(Math.min(...net)), round(Math.max(...net))],
          scriptMsPerMin: round(median(runs.map((x) => x.scriptMsPerMin))),
          longTasks: runs.reduce((n, x) => n + x.longTasks, 0),
          longestTaskMs: Math.max(...runs.map((x) => x.longestTaskMs)),
          breakdown: runs.at(-1)?.breakdown,
          runs: runs.map(({ breakdown: _b, ...x }) => x),
        };
        log(`  ${stack}: ${r[stack].taskMsPerMin} ms/min [${r[stack].range.join('–')}], long tasks ${r[stack].longTasks}`);
      }
      if (!QUICK) {
        // Ours without rendering (element display: none): the audio + session + socket share.
        const hidden = await cpuRun(env, 'ours', PLAN.cpuSeconds, { view: 'hidden', traceSeconds: PLAN.traceSeconds });
        r.oursHidden = { taskMsPerMin: round(Math.max(0, hidden.taskMsPerMin - idle.taskMsPerMin)), scriptMsPerMin: hidden.scriptMsPerMin, longTasks: hidden.longTasks, breakdown: hidden.breakdown };
        log(`  ours, element not rendered: ${r.oursHidden.taskMsPerMin} ms/min`);
      }
      setReply('trial');
      const ratio = round(r.ref.taskMsPerMin / Math.max(0.1, r.ours.taskMsPerMin), 2);
      F[7] = {
        title: 'main-thread time per minute of full-duplex audio; longest task',
        target: '≥ 3× less than the reference; no task > 50 ms',
        idleHarnessMsPerMin: idle.taskMsPerMin,
        ours: r.ours,
        reference: r.ref,
        oursNotRendered: r.oursHidden ?? null,
        ratio,
        ratioNotRendered: r.oursHidden ? round(r.ref.taskMsPerMin / Math.max(0.1, r.oursHidden.taskMsPerMin), 2) : null,
        pass: ratio !== null && ratio >= 3 && r.ours.longTasks === 0,
      };
    }

    if (want(8)) {
      log('figure 8: heap over an accelerated conversation, leaks after start/stop cycles…');
      const heap = await heapRun(env, PLAN.heapTurns);
      const cycles = await cycleRun(env, PLAN.cycles);
      const left = cycles.afterStop;
      log(`  heap growth ${round(heap.growthBytes / 1024)} KB over ${heap.turns} turns (${heap.agentAudioMinutes} min of agent audio); after ${cycles.cycles} cycles: ${left.contexts} contexts, ${left.tracks} tracks, ${left.sockets} sockets live`);
      F[8] = {
        title: 'JS heap growth over an accelerated conversation; live contexts/tracks/sockets after start/stop cycles',
        target: '≤ 2 MB; 0',
        heap,
        cycles,
        pass: heap.growthBytes <= 2 * 1024 * 1024 && left.contexts === 0 && left.tracks === 0 && left.sockets === 0 && cycles.failures === 0,
      };
    }

    await browser.close();
    cleanup.shift();
  }

  if (want(9)) {
    log('figure 9: local server capacity…');
    const c = await capacity({ ...PLAN.capacity, reply: TEXTS.trial, log });
    F[9] = { title: 'local server capacity: concurrent real-time sessions with p99 event lag < 50 ms', target: '≥ 200', ...c, pass: c.maxSessions >= 200 };
  }
} finally {
  for (const fn of cleanup) await fn().catch(() => {});
}

results.meta.seconds = Math.round((Date.now() - started) / 1000);
results.meta.loadAverageAtEnd = loadavg().map((x) => round(x, 2));
await writeFile(OUT, `${JSON.stringify(results, null, 2)}\n`);
printTable(results);
console.log(`\nwrote ${OUT} (${results.meta.seconds} s)`);
process.exit(0);
