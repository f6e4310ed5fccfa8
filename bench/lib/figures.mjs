// Figures 2–8: each runner opens fresh pages in the shared browser, drives one stack, and turns
// the raw records the page returns into the figure. See BENCHMARKS.md for the method of each.
import { openPage, metrics, heapAfterGc, traceBreakdown, cpuProfile } from './browser.mjs';
import { dist, median, round } from './stats.mjs';

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @typedef {'ours' | 'ref'} Stack */
/** @typedef {Record<string, any>} Json */

/**
 * Everything a runner needs.
 * @typedef {object} Env
 * @property {import('playwright-core').Browser} browser
 * @property {string} baseUrl
 * @property {string} instrument
 * @property {{url: string, control: (op: string, args?: Json) => Promise<any>}} realtime
 * @property {{enable: (on: boolean) => void}} zeroFree
 * @property {(phase: 'trial' | 'long' | 'chat') => void} setReply
 * @property {{trial: number, long: number, chat: number}} replySeconds agent audio per reply
 * @property {{long: string, trial: string}} texts
 * @property {(msg: string) => void} log
 * @property {boolean} quick shorter warm-ups (smoke runs)
 */

const VAD = { threshold: 0.5, silenceMs: 300, prefixMs: 300 };
/**
 * For the duplex benches: no turn detection at all (`turn_detection: null`), so the looping fake
 * microphone never barges in (Chromium's auto gain brings even attenuated speech over any VAD
 * threshold). The microphone is still captured, encoded and sent in full by both stacks.
 */
const NO_VAD = null;

/**
 * The `session.update` the reference sends: what our element sends with the same settings, so both
 * stacks get the same server behaviour.
 * @param {{threshold: number, silenceMs: number, prefixMs: number} | null} vad
 */
function sessionFor(vad) {
  return {
    type: 'realtime',
    output_modalities: ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        noise_reduction: { type: 'near_field' },
        transcription: { model: 'gpt-4o-mini-transcribe' },
        turn_detection: vad && { type: 'server_vad', create_response: true, interrupt_response: true, threshold: vad.threshold, prefix_padding_ms: vad.prefixMs, silence_duration_ms: vad.silenceMs },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
    },
  };
}

/**
 * @param {Env} env
 * @param {Stack} stack
 * @param {{hooks: boolean, strong?: boolean, mic: 'device' | 'controlled', taps: boolean, vad: typeof VAD | null}} o
 */
async function startStack(env, stack, o) {
  const p = await openPage(env.browser, env, { hooks: o.hooks, strong: o.strong ?? false, mic: o.mic });
  if (o.mic === 'controlled') await p.call('setupMic', 5.0, 0.85);
  const info = await p.call(stack === 'ours' ? 'startOurs' : 'startRef', {
    url: env.realtime.url,
    bundleUrl: '/_build/realtime-voice.js',
    vad: o.vad,
    taps: o.taps,
    session: sessionFor(o.vad),
  });
  return { p, info: /** @type {Json} */ (info) };
}

/** @param {{p: import('./browser.mjs').BenchPage}} s */
async function stopStack(s) {
  await s.p.call('stopStack').catch(() => {});
  await s.p.close();
}

/** The newest open session on the local server (one page is connected at a time). */
async function liveSessionId(/** @type {Env} */ env) {
  const sessions = /** @type {Json[]} */ (await env.realtime.control('sessions'));
  return sessions.filter((s) => s.open).at(-1)?.id;
}

/** Makes the server speak `text` in the live session (retries while a response is running). */
async function respond(/** @type {Env} */ env, /** @type {string} */ text) {
  for (let i = 0; i < 20; i++) {
    const sessionId = await liveSessionId(env);
    try {
      await env.realtime.control('respond', { sessionId, text });
      return true;
    } catch {
      await sleep(150);
    }
  }
  return false;
}

/** (frame → worklet ms) of a tap/probe dump. @param {Json} dump */
function frameClock(dump) {
  const map = new Map();
  for (let i = 0; i < dump.frames.length; i++) map.set(dump.frames[i], dump.times[i]);
  return map;
}

// ── figure 2 ───────────────────────────────────────────────────────────────────────────────────

/**
 * Capture-to-wire: for every `input_audio_buffer.append`, the time it was handed to the socket
 * minus the time its oldest sample entered the capture worklet (the render callback that
 * processed that context frame, stamped by the bench worklet in the same context).
 * @param {Env} env
 * @param {Stack} stack
 * @param {number} seconds
 */
export async function captureRun(env, stack, seconds) {
  const s = await startStack(env, stack, { hooks: true, mic: 'device', taps: true, vad: NO_VAD });
  try {
    await sleep(env.quick ? 800 : 1500);
    await s.p.call('reset');
    await sleep(seconds * 1000);
    const data = /** @type {Json} */ (await s.p.call('collect'));
    const off = data.offset;
    const oldest = [];
    const newest = [];
    /** Every sample's latency, one value per quantum with its sample count as weight. */
    const perSample = [];
    let unmatched = 0;
    /** @param {Map<number, number>} clock @param {number} from first frame @param {number} to end frame (exclusive) @param {number} tSend */
    const spread = (clock, from, to, tSend) => {
      for (let q = Math.floor(from / 128) * 128; q < to; q += 128) {
        const tq = clock.get(q);
        if (tq === undefined) continue;
        const w = Math.min(q + 128, to) - Math.max(q, from);
        perSample.push([tSend - (tq - off), w]);
      }
    };
    if (stack === 'ours') {
      const clock = frameClock(data.tap);
      const rate = data.tap.rate;
      for (const a of data.sends) {
        if (a.kind !== 'append' || a.capturedAt === null) continue;
        // Frames are 20 ms or a little more (cut at block ends); older builds: exactly 20 ms.
        const span = (a.frameSeconds ?? 0.02) * rate;
        const first = Math.floor((a.capturedAt * rate) / 128) * 128;
        const last = Math.floor((a.capturedAt * rate + span - 1) / 128) * 128;
        const t0 = clock.get(first);
        const t1 = clock.get(last);
        if (t0 === undefined || t1 === undefined) {
          unmatched++;
          continue;
        }
        oldest.push(a.t - (t0 - off));
        newest.push(a.t - (t1 - off));
        spread(clock, a.capturedAt * rate, a.capturedAt * rate + span, a.t);
      }
    } else {
      const probe = data.probe;
      const clock = frameClock(probe);
      /** @type {Map<number, number[]>} */
      const byHash = new Map();
      probe.hashes.forEach((/** @type {number} */ h, /** @type {number} */ i) => {
        const list = byHash.get(h);
        if (list) list.push(i);
        else byHash.set(h, [i]);
      });
      for (const a of data.sends) {
        if (a.kind !== 'append' || a.chunkHash === null) continue;
        const candidates = (byHash.get(a.chunkHash) ?? []).filter((i) => probe.times[i] - off <= a.t + 1);
        const i = candidates.at(-1);
        const firstFrame = i === undefined ? undefined : probe.frames[i] + 128 - a.chunkSamples;
        const t0 = firstFrame === undefined ? undefined : clock.get(Math.floor(firstFrame / 128) * 128);
        if (i === undefined || t0 === undefined) {
          unmatched++;
          continue;
        }
        oldest.push(a.t - (t0 - off));
        newest.push(a.t - (probe.times[i] - off));
        spread(clock, firstFrame, probe.frames[i] + 128, a.t);
      }
    }
    const appends = data.sends.filter((/** @type {Json} */ a) => a.kind === 'append');
    return {
      oldest,
      newest,
      perSample,
      unmatched,
      appends: appends.length,
      appendsPerSecond: round(appends.length / seconds, 1),
      meanAppendChars: round(appends.reduce((/** @type {number} */ n, /** @type {Json} */ a) => n + a.length, 0) / Math.max(1, appends.length), 0),
    };
  } finally {
    await stopStack(s);
  }
}

// ── figures 3, 4, 5 ────────────────────────────────────────────────────────────────────────────

/**
 * Barge-in trials: first-audio latency, barge-in latency and truncation error, from one run.
 * @param {Env} env
 * @param {Stack} stack
 * @param {number} n
 */
export async function trialRun(env, stack, n) {
  env.setReply('trial');
  env.zeroFree.enable(true);
  const s = await startStack(env, stack, { hooks: true, mic: 'controlled', taps: true, vad: VAD });
  try {
    const trials = /** @type {Json[]} */ (await s.p.call('trials', n));
    const latencyMs = ((s.info.baseLatency ?? 0) + (s.info.outputLatency ?? 0)) * 1000;
    return { trials, latencyMs, sampleRate: s.info.sampleRate };
  } finally {
    env.zeroFree.enable(false);
    await stopStack(s);
  }
}

/**
 * @param {{trials: Json[], latencyMs: number}[]} runs
 */
export function trialFigures(runs) {
  const firstAudio = [];
  const bargeIn = [];
  /** @type {Json[]} */
  const truncations = [];
  let errors = 0;
  for (const run of runs) {
    for (const t of run.trials) {
      if (t.error) {
        errors++;
        continue;
      }
      firstAudio.push(t.tOnset - t.tFirstDelta);
      if (t.tSpeechStarted === null || !t.soundingAtSpeechStarted) continue;
      if (t.tSilent !== null) bargeIn.push(t.tSilent - t.tSpeechStarted);
      if (t.silentTotal === null) continue;
      const playedMs = ((t.silentTotal - t.onsetBefore) / t.rate) * 1000;
      const receivedMs = t.receivedTotal / 48;
      const sentMs = t.truncate ? t.truncate.audioEndMs : receivedMs;
      const afterDone = t.doneAt !== null && t.doneAt < t.tSpeechStarted;
      const agentsMs = afterDone ? receivedMs : Math.max(0, Math.min(Math.floor(t.tSpeechStarted - t.tFirstDelta), t.receivedBeforeSS / 48));
      const atSpeakerMs = Math.max(0, playedMs - run.latencyMs);
      truncations.push({
        afterDone,
        playedMs: round(playedMs),
        atSpeakerMs: round(atSpeakerMs),
        sentMs,
        agentsMs: round(agentsMs),
        truncateSent: !!t.truncate,
        errorVsPlayed: round(Math.abs(sentMs - playedMs)),
        errorVsAtSpeaker: round(Math.abs(sentMs - atSpeakerMs)),
        agentsErrorVsPlayed: round(Math.abs(agentsMs - playedMs)),
        agentsErrorVsAtSpeaker: round(Math.abs(agentsMs - atSpeakerMs)),
        resumedAfterClear: t.resumedAfterClear,
      });
    }
  }
  const col = (/** @type {string} */ k, /** @type {(t: Json) => boolean} */ f = () => true) => truncations.filter(f).map((t) => t[k]);
  return {
    firstAudioMs: dist(firstAudio),
    bargeInMs: dist(bargeIn),
    truncation: {
      interruptions: truncations.length,
      afterDone: truncations.filter((t) => t.afterDone).length,
      errorVsAtSpeakerMs: dist(col('errorVsAtSpeaker')),
      errorVsPlayedMs: dist(col('errorVsPlayed')),
      errorVsAtSpeakerAfterDoneMs: dist(col('errorVsAtSpeaker', (t) => t.afterDone)),
      agentsRule: { errorVsAtSpeakerMs: dist(col('agentsErrorVsAtSpeaker')), errorVsPlayedMs: dist(col('agentsErrorVsPlayed')), errorVsAtSpeakerAfterDoneMs: dist(col('agentsErrorVsAtSpeaker', (t) => t.afterDone)) },
      latencyMs: runs[0]?.latencyMs ?? null,
      resumedAfterClear: truncations.reduce((n, t) => n + t.resumedAfterClear, 0),
      samples: truncations,
    },
    failedTrials: errors,
  };
}

// ── figure 6 ───────────────────────────────────────────────────────────────────────────────────

/**
 * Underruns and clicks under injected jitter: `responses` replies, each played to the end,
 * with the server delaying each audio delta by 0–`jitterMs` and sending them in bursts.
 * @param {Env} env
 * @param {Stack} stack
 * @param {{responses: number, jitterMs: number, burst: number}} o
 */
export async function jitterRun(env, stack, o) {
  env.zeroFree.enable(true);
  const s = await startStack(env, stack, { hooks: true, mic: 'device', taps: true, vad: NO_VAD });
  await env.realtime.control('faults', { jitterMs: o.jitterMs, burst: o.burst });
  try {
    await s.p.call('reset');
    for (let i = 0; i < o.responses; i++) {
      await respond(env, env.texts.trial);
      await sleep(env.replySeconds.trial * 1000 + 1200);
    }
    const data = /** @type {Json} */ (await s.p.call('collect'));
    const state = /** @type {Json} */ (await s.p.call('tapState'));
    const starts = data.recvs.filter((/** @type {Json} */ r) => r.kind === 'response_created').map((/** @type {Json} */ r) => r.t);
    const events = data.tap.events.map((/** @type {Json} */ e) => ({ ...e, hr: e.t - data.offset }));
    const CLICK = 2 / 256;
    let underruns = 0;
    let abrupt = 0;
    const perResponse = [];
    for (let i = 0; i < starts.length; i++) {
      const from = starts[i];
      const to = starts[i + 1] ?? Infinity;
      const inside = events.filter((/** @type {Json} */ e) => e.hr >= from && e.hr < to);
      const onsets = inside.filter((/** @type {Json} */ e) => e.type === 'onset');
      const u = Math.max(0, onsets.length - 1);
      const a = inside.filter((/** @type {Json} */ e) => Math.abs(e.value) > CLICK).length;
      underruns += u;
      abrupt += a;
      // Where each gap began, in ms of playback after the reply became audible.
      const gapsAtMs = inside
        .filter((/** @type {Json} */ e) => e.type === 'offset' && onsets.length && e.hr < onsets.at(-1).hr)
        .map((/** @type {Json} */ e) => round(e.hr - onsets[0].hr, 0));
      perResponse.push({ segments: onsets.length, underruns: u, abruptEdges: a, gapsAtMs });
    }
    return {
      responses: starts.length,
      agentAudioSeconds: round(starts.length * env.replySeconds.trial, 1),
      underruns,
      clicks: abrupt,
      largestStep: round(state.maxStep, 3),
      perResponse,
    };
  } finally {
    await env.realtime.control('faults', { jitterMs: 0, burst: 1 });
    env.zeroFree.enable(false);
    await stopStack(s);
  }
}

// ── figure 7 ───────────────────────────────────────────────────────────────────────────────────

/**
 * Main-thread time per minute of full-duplex audio: the fake microphone captured and sent the
 * whole time, the agent speaking back to back; CDP TaskDuration over the window, minus the idle
 * harness page's rate. No bench hooks or worklets in the page.
 * @param {Env} env
 * @param {Stack | 'idle'} stack
 * @param {number} seconds
 * @param {{view?: 'open' | 'closed' | 'hidden', traceSeconds?: number}} [o] our element's panel
 *   open as during a call (default), closed, or not rendered; a timeline trace after the window
 */
export async function cpuRun(env, stack, seconds, o = {}) {
  const cfg = { hooks: false, strong: false, mic: /** @type {const} */ ('device') };
  const s = stack === 'idle' ? { p: await openPage(env.browser, env, cfg), info: {} } : await startStack(env, stack, { ...cfg, taps: false, vad: NO_VAD });
  if (stack === 'ours') await s.p.call('setView', o.view ?? 'open');
  let talking = stack !== 'idle';
  const talker = (async () => {
    while (talking) {
      await respond(env, env.texts.long);
      const until = Date.now() + Math.max(1000, env.replySeconds.long * 1000 - 700);
      while (talking && Date.now() < until) await sleep(100);
    }
  })();
  try {
    await s.p.cdp.send('Performance.enable');
    await sleep(stack === 'idle' ? 500 : env.quick ? 1000 : 3000);
    await s.p.call('reset');
    const m0 = await metrics(s.p.cdp);
    await sleep(seconds * 1000);
    const m1 = await metrics(s.p.cdp);
    const longTasks = /** @type {Json[]} */ (await s.p.call('longTasks'));
    const perMinute = (/** @type {string} */ k) => ((m1[k] - m0[k]) * 1000 * 60) / seconds;
    const breakdown = o.traceSeconds ? await traceBreakdown(s.p.cdp, o.traceSeconds * 1000) : undefined;
    const profile = process.env.BENCH_PROFILE && stack !== 'idle' ? await cpuProfile(s.p.cdp, 6000) : undefined;
    if (profile) env.log(`  ${stack} (${o.view ?? 'open'}), JavaScript self time:\n    ${profile.join('\n    ')}`);
    return {
      breakdown,
      taskMsPerMin: round(perMinute('TaskDuration')),
      scriptMsPerMin: round(perMinute('ScriptDuration')),
      longTasks: longTasks.length,
      longestTaskMs: longTasks.length ? round(Math.max(...longTasks.map((t) => t.duration))) : 0,
    };
  } finally {
    talking = false;
    await talker;
    await stopStack(s);
  }
}

// ── figure 8 ───────────────────────────────────────────────────────────────────────────────────

/**
 * JS heap growth over an accelerated conversation: typed turns back to back, each answered with
 * `replySeconds.chat` of audio streamed at high speed and interrupted by the next turn, the
 * microphone captured and sent throughout. Heap after forced GC at the start and at checkpoints.
 * @param {Env} env
 * @param {number} turns
 */
export async function heapRun(env, turns) {
  env.setReply('chat');
  const s = await startStack(env, 'ours', { hooks: false, mic: 'device', taps: false, vad: NO_VAD });
  try {
    await s.p.call('chatLoop', 5, 0);
    const samples = [];
    const h0 = await heapAfterGc(s.p.cdp);
    samples.push({ turns: 0, usedSize: h0.usedSize });
    const chunks = 5;
    let done = 0;
    let timeouts = 0;
    let items = 0;
    const started = Date.now();
    for (let c = 0; c < chunks; c++) {
      const k = Math.ceil((turns - done) / (chunks - c));
      const r = /** @type {Json} */ (await s.p.call('chatLoop', k, 5 + done));
      done += k;
      timeouts += r.timeouts;
      items = r.conversationItems;
      const h = await heapAfterGc(s.p.cdp);
      samples.push({ turns: done, usedSize: h.usedSize });
    }
    const growth = samples.at(-1).usedSize - samples[0].usedSize;
    return {
      turns: done,
      agentAudioMinutes: round((done * env.replySeconds.chat) / 60, 1),
      wallSeconds: round((Date.now() - started) / 1000, 1),
      heapStartBytes: samples[0].usedSize,
      heapEndBytes: samples.at(-1).usedSize,
      growthBytes: growth,
      conversationItems: items,
      timeouts,
      samples,
    };
  } finally {
    env.setReply('trial');
    await stopStack(s);
  }
}

/**
 * `start()` / `stop()` cycles of one element, then what is still live (contexts not closed,
 * sockets not CLOSED, microphone tracks not ended), after stop and after removing the element,
 * and the sessions the server still has open.
 * @param {Env} env
 * @param {number} n
 */
export async function cycleRun(env, n) {
  const p = await openPage(env.browser, env, { hooks: false, strong: true, mic: 'device' });
  try {
    const r = /** @type {Json} */ (await p.call('cycles', n, { url: env.realtime.url, bundleUrl: '/_build/realtime-voice.js', vad: NO_VAD, taps: false, session: {} }));
    await sleep(500);
    const sessions = /** @type {Json[]} */ (await env.realtime.control('sessions'));
    return { ...r, serverOpenSessions: sessions.filter((x) => x.open).length };
  } finally {
    await p.close();
  }
}

/** @param {number[]} values */
export const med = (values) => median(values);
