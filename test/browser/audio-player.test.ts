// The player in real time, in Chromium: tapped by a second worklet that sees exactly what the
// player rendered (bit-exactness, clear latency, heard-time ground truth, underruns), plus the
// worklet-url and CSP-blocked loading paths. At the end, the audio figures are printed as one
// `AUDIO_FIGURES {json}` line (bench/audio-figures.mjs collects it).
import { expect } from '@open-wc/testing';
import { AudioPlayer, type PlayerEventMap } from '../../src/audio/player.js';
import { loadWorklet, loadWorkletSource } from '../../src/audio/worklet-loader.js';
import { AudioError } from '../../src/audio/errors.js';
import { floatToInt16Sample } from '../../src/audio/pcm.js';
import { PLAYER_PROCESSOR } from '../../src/audio/messages.js';

// ── the tap: records what reaches it, per quantum ──
const TAP_SOURCE = `
class Tap extends AudioWorkletProcessor {
  constructor(o) {
    super();
    const p = o.processorOptions || {};
    this.buf = new Float32Array(p.capacity || 0);
    this.cum = new Int32Array(p.quanta || 0);
    this.n = 0; this.q = 0; this.start = -1; this.nz = 0; this.first = -1; this.last = -1; this.prev = 0; this.skipped = 0;
    this.thr = p.threshold === undefined ? 0 : p.threshold;
    this.port.onmessage = (e) => {
      if (e.data === 'dump') this.port.postMessage({ start: this.start, n: this.n, buf: this.buf.slice(0, this.n), cum: this.cum.slice(0, this.q), nz: this.nz, skipped: this.skipped, first: this.first, last: this.last, frame: currentFrame });
    };
  }
  process(inputs) {
    const x = inputs[0] && inputs[0][0];
    if (this.start < 0) this.start = currentFrame;
    const len = x ? x.length : 128;
    for (let i = 0; i < len; i++) {
      const v = x ? x[i] : 0;
      if (this.n < this.buf.length) this.buf[this.n++] = v;
      if (v > this.thr || v < -this.thr) { this.nz++; if (this.first < 0) this.first = currentFrame + i; this.last = currentFrame + i; }
    }
    // Indexed by frame, not by call: under load Chromium can skip quanta (currentFrame jumps).
    const q = Math.floor((currentFrame - this.start) / 128);
    if (q > this.q) this.skipped += q - this.q;
    while (this.q < q && this.q < this.cum.length) this.cum[this.q++] = this.prev;
    if (this.q < this.cum.length) this.cum[this.q++] = this.nz;
    this.prev = this.nz;
    return true;
  }
}
registerProcessor('rv-test-tap', Tap);`;

interface TapDump {
  start: number;
  n: number;
  buf: Float32Array;
  cum: Int32Array;
  nz: number;
  /** Quanta the render thread skipped (a glitch under load). */
  skipped: number;
  first: number;
  last: number;
  frame: number;
}

async function tap(ctx: AudioContext, source: AudioNode, options: { seconds?: number; threshold?: number } = {}) {
  await loadWorkletSource(ctx, 'rv-test-tap', TAP_SOURCE);
  const seconds = options.seconds ?? 4;
  const node = new AudioWorkletNode(ctx, 'rv-test-tap', {
    numberOfInputs: 1,
    numberOfOutputs: 0,
    channelCount: 1,
    channelCountMode: 'explicit',
    processorOptions: { capacity: Math.ceil(ctx.sampleRate * seconds), quanta: Math.ceil((ctx.sampleRate * seconds) / 128), threshold: options.threshold ?? 0 },
  });
  source.connect(node);
  return {
    node,
    dump: () =>
      new Promise<TapDump>((resolve) => {
        node.port.onmessage = (e: MessageEvent<TapDump>) => resolve(e.data);
        node.port.postMessage('dump');
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LSB = 1 / 32768;

/** PCM16 of f(i) at 24 kHz. */
function pcm(n: number, f: (i: number) => number): Int16Array<ArrayBuffer> {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = floatToInt16Sample(f(i));
  return out;
}
/** A tone that never touches zero (so the tap can count rendered samples). */
const offsetTone = (n: number, seed = 0) => pcm(n, (i) => 0.25 + 0.2 * Math.sin((2 * Math.PI * (300 + seed * 50) * i) / 24000));
/** Speech-like: starts and ends at exactly 0. */
const hannTone = (n: number) => pcm(n, (i) => 0.45 * Math.sin((2 * Math.PI * 440 * i) / 24000) * Math.sin((Math.PI * i) / (n - 1)) ** 2 + 0.1 * Math.sin((2 * Math.PI * 2700 * i) / 24000) * Math.sin((Math.PI * i) / (n - 1)) ** 2);

function pushChunks(player: AudioPlayer, itemId: string, data: Int16Array, sizes: () => number): void {
  for (let i = 0; i < data.length; ) {
    const n = Math.min(data.length - i, sizes());
    player.push(itemId, data.slice(i, i + n).buffer);
    i += n;
  }
}

/** Figures collected by the tests below, printed at the end. */
const figures: Record<string, unknown> = {};

async function newContext(sampleRate?: number): Promise<AudioContext> {
  const ctx = new AudioContext(sampleRate ? { sampleRate, latencyHint: 'interactive' } : { latencyHint: 'interactive' });
  await ctx.resume();
  return ctx;
}

describe('player (real time)', function () {
  this.timeout(20000);
  let ctx: AudioContext;
  let player: AudioPlayer | null = null;

  afterEach(async () => {
    await player?.close();
    player = null;
    await ctx?.close();
  });

  it('reproduces its input within 1 LSB, tapped after it (24 kHz context)', async () => {
    ctx = await newContext(24000);
    player = await AudioPlayer.open(ctx);
    const t = await tap(ctx, player.node, { seconds: 1.2 });
    const input = hannTone(12000); // 0.5 s
    let seed = 1;
    pushChunks(player, 'a', input, () => (seed = (seed * 7919) % 2400) + 1);
    player.end('a');
    await sleep(700);
    const d = await t.dump();
    // Align on the first non-zero sample (the tap started before the pre-roll ended).
    const firstIn = input.findIndex((v) => v !== 0);
    const firstOut = d.buf.findIndex((v) => v !== 0);
    expect(firstOut).to.be.at.least(0);
    const offset = firstOut - firstIn;
    let maxErr = 0;
    for (let i = 0; i < input.length; i++) maxErr = Math.max(maxErr, Math.abs(d.buf[offset + i]! - input[i]! / 32768));
    expect(maxErr).to.be.at.most(LSB);
    figures.reproductionMaxErrorLsb = maxErr / LSB;
    for (let i = offset + input.length; i < d.n; i++) expect(d.buf[i]).to.equal(0);
    expect(player.renderedMs('a')).to.equal(500);
  });

  it('clear() is silent within the ≤ 5 ms fade of the message arriving (device-rate context)', async () => {
    ctx = await newContext();
    player = await AudioPlayer.open(ctx);
    const t = await tap(ctx, player.node, { seconds: 1.5, threshold: LSB });
    player.push('a', offsetTone(36000).buffer); // 1.5 s
    await new Promise<void>((resolve) => player!.on('playing', () => resolve()));
    await sleep(250);
    const calledAt = performance.now();
    const ctAtCall = ctx.currentTime;
    const result = await player.clear();
    const ackAt = performance.now();
    await sleep(60);
    const d = await t.dump();
    const arrivedFrame = Math.round(result.receivedTime * ctx.sampleRate);
    const silenceMs = ((d.last + 1 - arrivedFrame) * 1000) / ctx.sampleRate;
    expect(silenceMs).to.be.at.most(5);
    expect(silenceMs).to.be.above(2); // it faded rather than cut
    // Nothing after: the tap's count stopped at the fade.
    expect(d.cum[d.cum.length - 1]).to.equal(d.nz);
    expect(result.itemId).to.equal('a');
    expect(player.push('a', offsetTone(2400).buffer)).to.equal(false); // late delta of a cut item
    figures.clear = {
      fadeToSilenceMs: +silenceMs.toFixed(2),
      // Context clock: main's currentTime lags the render thread by up to a callback buffer.
      callToSilenceCtxMs: +((result.silentTime - ctAtCall) * 1000).toFixed(1),
      callToAckMs: +(ackAt - calledAt).toFixed(1),
      sampleRate: ctx.sampleRate,
    };
  });

  it('heard-ms matches the tap within ±10 ms while playing, after "done" and at a clear', async () => {
    ctx = await newContext();
    player = await AudioPlayer.open(ctx);
    const rate = ctx.sampleRate;
    const t = await tap(ctx, player.node, { seconds: 3, threshold: LSB });
    expect(player.heardMs('a')).to.equal(null);
    // 2 s of audio arrives at once (faster than real time) and is done before it is heard.
    pushChunks(player, 'a', offsetTone(48000), () => 4800);
    player.end('a');
    const samples: { at: number; heard: number; latency: number }[] = [];
    for (let i = 0; i < 8; i++) {
      await sleep(90);
      samples.push({ at: ctx.currentTime, heard: player.heardMs('a')!, latency: player.latencyMs });
    }
    const result = await player.clear();
    await sleep(80);
    const d = await t.dump();
    const tapMsAt = (time: number) => {
      const q = Math.floor((time * rate - d.start) / 128);
      return ((d.cum[Math.min(Math.max(q, 0), d.cum.length - 1)] ?? 0) * 1000) / rate;
    };
    const errors = samples.map((s) => s.heard + s.latency - tapMsAt(s.at));
    for (const e of errors) expect(Math.abs(e), `errors ${errors.map((x) => x.toFixed(1))}`).to.be.at.most(10);
    const tapTotalMs = (d.nz * 1000) / rate;
    expect(Math.abs(player.renderedMs('a') - tapTotalMs)).to.be.at.most(10);
    expect(Math.abs(result.heardMs! - (tapTotalMs - player.latencyMs))).to.be.at.most(10);
    expect(result.receivedMs).to.equal(2000);
    // Later, what was rendered before the clear has all left the output path: heard = rendered.
    await sleep(player.latencyMs + 20);
    expect(Math.abs(player.heardMs('a')! - tapTotalMs)).to.be.at.most(10);
    figures.heardMs = {
      maxAbsErrorMs: +Math.max(...errors.map(Math.abs), Math.abs(player.renderedMs('a') - tapTotalMs)).toFixed(2),
      latencyCompensationMs: +player.latencyMs.toFixed(2),
      skippedQuanta: d.skipped,
      baseLatency: ctx.baseLatency,
      outputLatency: ctx.outputLatency,
    };
  });

  it('heard-ms never exceeds what was received, and reaches it once all was heard', async () => {
    ctx = await newContext();
    player = await AudioPlayer.open(ctx);
    player.push('short', offsetTone(2400).buffer); // 100 ms
    player.end('short');
    await new Promise<void>((resolve) => player!.on('idle', () => resolve()));
    await sleep(player.latencyMs + 30);
    expect(player.heardMs('short')).to.equal(100);
    expect(player.receivedMs('short')).to.equal(100);
    expect(player.heardMs('never')).to.equal(null);
  });

  it('plays three responses with underruns between them through one node', async () => {
    ctx = await newContext();
    player = await AudioPlayer.open(ctx, { prerollMs: 20 });
    const t = await tap(ctx, player.node, { seconds: 3, threshold: LSB });
    const events: string[] = [];
    for (const type of ['playing', 'underrun', 'idle'] as (keyof PlayerEventMap)[]) {
      player.on(type, (d) => events.push(`${type}:${'itemId' in d ? d.itemId : ''}`));
    }
    const node = player.node;
    // Response 1: all at once, done.
    player.push('r1', offsetTone(4800, 1).buffer);
    player.end('r1');
    await sleep(350);
    // Response 2: 100 ms, a 150 ms stall (underrun), 100 ms more, done.
    player.push('r2', offsetTone(2400, 2).buffer);
    await sleep(250);
    player.push('r2', offsetTone(2400, 3).buffer);
    player.end('r2');
    await sleep(300);
    // Response 3: real-time-paced 20 ms deltas, done.
    const r3 = offsetTone(7200, 4);
    for (let i = 0; i < r3.length; i += 480) {
      player.push('r3', r3.slice(i, i + 480).buffer);
      await sleep(20);
    }
    player.end('r3');
    await sleep(250);
    const d = await t.dump();
    expect(player.node).to.equal(node);
    expect(events.filter((e) => e.startsWith('playing')).map((e) => e.split(':')[1])).to.include.members(['r1', 'r2', 'r3']);
    expect(events).to.include('underrun:r2');
    expect(events.filter((e) => e === 'idle:').length).to.be.at.least(3);
    const stats = await player.stats();
    for (const id of ['r1', 'r2', 'r3']) {
      const s = stats.items.find((i) => i.id === id)!;
      expect(s.rendered, id).to.equal(s.received);
      expect(s.dropped).to.equal(0);
    }
    expect(stats.items.find((i) => i.id === 'r2')!.underruns).to.be.at.least(1);
    expect(stats.underruns).to.be.at.least(1);
    expect(stats.prerollMs).to.be.above(20); // grew after the underrun
    // The tap heard all 700 ms (plus ≤ 4 ms decay tails at each stop, minus nothing).
    const heard = (d.nz * 1000) / ctx.sampleRate;
    expect(heard).to.be.within(700, 700 + 4 * 5.5);
    expect(player.state).to.equal('idle');
  });

  it('reports first-audio timing against the speaker clock', async () => {
    ctx = await newContext();
    player = await AudioPlayer.open(ctx);
    await sleep(300); // let the output clock settle (getOutputTimestamp starts at 0)
    const runs: { toSpeaker: number; toRender: number }[] = [];
    for (let k = 0; k < 3; k++) {
      const pushedAt = performance.now();
      const ctAtPush = ctx.currentTime;
      player.push(`f${k}`, offsetTone(2400).buffer);
      player.end(`f${k}`);
      await new Promise<void>((resolve) => player!.on('idle', () => resolve()));
      await sleep(30);
      const timing = player.timing(`f${k}`)!;
      expect(timing.firstPushAt).to.be.closeTo(pushedAt, 2);
      const s = player.itemStats(`f${k}`)!;
      runs.push({ toSpeaker: timing.firstAudibleAt - pushedAt, toRender: (s.firstAudibleTime - ctAtPush) * 1000 });
    }
    for (const r of runs) {
      // Rendered within a pre-roll and a callback buffer of the push; heard after the output latency.
      expect(r.toRender).to.be.within(-1, 20 + 2 * ctx.baseLatency * 1000 + 15);
      expect(r.toSpeaker).to.be.within(ctx.outputLatency * 1000 - 5, 20 + player.latencyMs + 25);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    figures.firstAudio = {
      pushToFirstRenderMs: +median(runs.map((r) => r.toRender)).toFixed(1),
      pushToSpeakerMs: +median(runs.map((r) => r.toSpeaker)).toFixed(1),
      prerollMs: 20,
      note: 'push of a 100 ms delta (≥ pre-roll) → first non-zero sample rendered (context clock) / at the speaker (getOutputTimestamp)',
    };
  });

  it('can play through an <audio> element fed by a MediaStreamAudioDestinationNode', async () => {
    ctx = await newContext();
    player = await AudioPlayer.open(ctx, { output: 'media-element' });
    const t = await tap(ctx, player.node, { seconds: 1, threshold: LSB });
    player.push('m', offsetTone(2400).buffer);
    player.end('m');
    await new Promise<void>((resolve) => player!.on('idle', () => resolve()));
    const d = await t.dump();
    expect((d.nz * 1000) / ctx.sampleRate).to.be.within(100, 105);
    expect(await player.setSinkId('')).to.be.a('boolean');
  });
});

describe('worklet loading', function () {
  this.timeout(20000);

  it('loads the built files from worklet-url (/dist/worklets/)', async () => {
    const ctx = await newContext();
    try {
      const player = await AudioPlayer.open(ctx, { workletUrl: '/dist/worklets' });
      const t = await tap(ctx, player.node, { seconds: 1, threshold: LSB });
      player.push('u', offsetTone(2400).buffer);
      player.end('u');
      await sleep(250);
      expect((await t.dump()).nz).to.be.above(0);
      await player.close();
      await loadWorklet(ctx, 'capture-processor', '/dist/worklets/');
    } finally {
      await ctx.close();
    }
  });

  it('maps a failing worklet-url to worklet_load_failed naming the fix', async () => {
    const ctx = await newContext();
    try {
      const error = await AudioPlayer.open(ctx, { workletUrl: '/no/such/place' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AudioError);
      expect((error as AudioError).code).to.equal('worklet_load_failed');
      expect((error as AudioError).message).to.contain('worklet-url').and.contain('/no/such/place/player-processor.js');
    } finally {
      await ctx.close();
    }
  });

  it('maps a CSP-blocked blob: load (bare AbortError) to worklet_load_failed naming the fix', async () => {
    const frame = document.createElement('iframe');
    frame.srcdoc = `<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'unsafe-inline'">`;
    document.body.append(frame);
    await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    const FrameContext = (frame.contentWindow as unknown as { AudioContext: typeof AudioContext }).AudioContext;
    const ctx = new FrameContext();
    try {
      const error = await loadWorklet(ctx, 'player-processor').then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, 'the CSP should have blocked the blob: URL').to.be.instanceOf(AudioError);
      expect((error as AudioError).code).to.equal('worklet_load_failed');
      expect((error as AudioError).message).to.contain('worklet-url').and.contain('blob:');
      expect(((error as AudioError).cause as DOMException).name).to.equal('AbortError');
      // The same page loads the files from its own origin.
      await loadWorklet(ctx, 'player-processor', `${location.origin}/dist/worklets`);
      expect(() => new AudioWorkletNode(ctx, PLAYER_PROCESSOR)).not.to.throw();
    } finally {
      await ctx.close();
      frame.remove();
    }
  });
});

describe('audio figures', () => {
  it('prints the figures of this run', () => {
    console.log(`AUDIO_FIGURES ${JSON.stringify(figures)}`);
    expect(Object.keys(figures).length).to.be.at.least(3);
  });
});
