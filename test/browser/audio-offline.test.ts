// The real worklets (built source, loaded from a Blob URL) in OfflineAudioContexts: fast and
// deterministic. Data goes in through processorOptions (port messages to an offline worklet
// can arrive after the render is over: `commands` for the player, `muted` for capture); frames
// come back through the port.
import { expect } from '@open-wc/testing';
import { loadWorklet } from '../../src/audio/worklet-loader.js';
import { CAPTURE_PROCESSOR, PLAYER_PROCESSOR, type CaptureFrame, type PlayerCommand } from '../../src/audio/messages.js';
import { floatToInt16Sample } from '../../src/audio/pcm.js';
import { FADE, fadeIn } from '../../src/audio/player-core.js';

const db = (x: number) => 20 * Math.log10(Math.max(x, 1e-12));

/** Runs the capture worklet offline on a sine of `freq` at `rate`; returns the 24 kHz frames. */
async function captureOffline(rate: number, freq: number, seconds = 0.5): Promise<CaptureFrame[]> {
  const ctx = new OfflineAudioContext(1, Math.round(rate * seconds), rate);
  await loadWorklet(ctx);
  const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
  const frames: CaptureFrame[] = [];
  node.port.onmessage = (e: MessageEvent<CaptureFrame>) => frames.push(e.data);
  const osc = new OscillatorNode(ctx, { frequency: freq });
  osc.connect(node);
  osc.start();
  await ctx.startRendering();
  // Port messages may still be on their way after the render: wait until none has come for 50 ms.
  for (let i = 0, seen = -1, still = 0; i < 100 && still < 5; i++, seen = frames.length) {
    await new Promise((r) => setTimeout(r, 10));
    still = frames.length === seen ? still + 1 : 0;
  }
  return frames;
}

function framesRms(frames: CaptureFrame[], skip = 2): number {
  let sum = 0;
  let n = 0;
  for (const f of frames.slice(skip)) {
    const pcm = new Int16Array(f.pcm);
    for (const v of pcm) {
      sum += (v / 32768) ** 2;
      n++;
    }
  }
  return Math.sqrt(sum / n);
}

describe('capture worklet (offline)', () => {
  for (const rate of [16000, 22050, 44100, 48000, 96000]) {
    it(`resamples ${rate} Hz to 24 kHz frames: 1 kHz passes, ≥ 12.5 kHz is ≥ 50 dB down`, async () => {
      const frames = await captureOffline(rate, 1000);
      // 20 ms or a little more: cut at the end of the block that reaches 480 samples.
      const lengths = frames.map((f) => f.pcm.byteLength / 2);
      const perBlock = Math.ceil((128 * 24000) / rate);
      expect(Math.min(...lengths)).to.be.at.least(480);
      expect(Math.max(...lengths)).to.be.at.most(480 + perBlock);
      // Everything but the last, unfinished frame of what was rendered: 0.5 s in whole blocks.
      const outputs = Math.floor((Math.ceil((rate * 0.5) / 128) * 128 * 24000) / rate);
      expect(outputs - lengths.reduce((a, b) => a + b, 0)).to.be.within(0, 480 + perBlock);
      const pass = framesRms(frames);
      expect(Math.abs(db(pass / Math.SQRT1_2))).to.be.below(1);
      expect(frames[5]!.level).to.be.closeTo(Math.SQRT1_2, 0.02);
      for (let i = 1; i < frames.length; i++) expect(frames[i]!.capturedAt - frames[i - 1]!.capturedAt).to.be.closeTo(lengths[i - 1]! / 24000, 1e-6);
      expect(Math.abs(frames[0]!.capturedAt)).to.be.below(0.004);
      if (rate > 25000) {
        for (const f of [12500, 15000, rate / 2 - 1000]) {
          const stop = framesRms(await captureOffline(rate, f, 0.25));
          expect(db(stop / Math.SQRT1_2), `${f} Hz`).to.be.below(-50);
        }
      }
    });
  }

  it('starts muted with silence frames when asked', async () => {
    const ctx = new OfflineAudioContext(1, 48000 / 4, 48000);
    await loadWorklet(ctx);
    const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 0, processorOptions: { muted: true } });
    const frames: CaptureFrame[] = [];
    node.port.onmessage = (e: MessageEvent<CaptureFrame>) => frames.push(e.data);
    const osc = new OscillatorNode(ctx, { frequency: 440 });
    osc.connect(node);
    osc.start();
    await ctx.startRendering();
    // 94 blocks of 64 outputs, in frames of 8 blocks (512 samples): 11.
    for (let i = 0; i < 50 && frames.length < 11; i++) await new Promise((r) => setTimeout(r, 10));
    expect(frames.length).to.equal(11);
    for (const f of frames) {
      expect(new Int16Array(f.pcm).every((v) => v === 0)).to.equal(true);
      expect(f.level).to.equal(0);
    }
  });
});

/** Renders the player worklet offline at `rate` after `commands`; returns its output. */
async function playOffline(rate: number, seconds: number, commands: PlayerCommand[]): Promise<Float32Array> {
  const ctx = new OfflineAudioContext(1, Math.round(rate * seconds), rate);
  await loadWorklet(ctx);
  const node = new AudioWorkletNode(ctx, PLAYER_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1], processorOptions: { commands } });
  node.connect(ctx.destination);
  const buffer = await ctx.startRendering();
  return buffer.getChannelData(0);
}

function pcmOf(f: (i: number) => number, n: number): ArrayBuffer {
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = floatToInt16Sample(f(i));
  return pcm.buffer;
}

describe('player worklet (offline)', () => {
  it('at 24 kHz reproduces its input bit-exactly, across items', async () => {
    const a = pcmOf((i) => 0.4 * Math.sin((2 * Math.PI * 330 * i) / 24000) * Math.sin((Math.PI * i) / 11999) ** 2, 12000);
    const b = pcmOf((i) => 0.3 * Math.sin((2 * Math.PI * 1234 * i) / 24000) * Math.sin((Math.PI * i) / 4799) ** 2, 4800);
    const ref = [...new Int16Array(a.slice(0)), ...new Int16Array(b.slice(0))];
    const out = await playOffline(24000, 1, [{ push: 'a', pcm: a }, { end: 'a' }, { push: 'b', pcm: b }, { end: 'b' }]);
    for (let i = 0; i < ref.length; i++) if (Math.round(out[i]! * 32768) !== ref[i]) throw new Error(`sample ${i}`);
    for (let i = ref.length; i < out.length; i++) expect(out[i]).to.equal(0);
  });

  it('at 16, 22.05, 44.1, 48 and 96 kHz plays a 1 kHz tone at the same level and length', async () => {
    for (const rate of [16000, 22050, 44100, 48000, 96000]) {
      const tone = pcmOf((i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 24000), 12000);
      const out = await playOffline(rate, 0.75, [{ push: 'a', pcm: tone }, { end: 'a' }]);
      let sum = 0;
      const from = Math.round(0.05 * rate);
      const to = Math.round(0.45 * rate);
      for (let i = from; i < to; i++) sum += out[i]! ** 2;
      expect(Math.abs(db(Math.sqrt(sum / (to - from)) / (0.5 * Math.SQRT1_2)))).to.be.below(0.1);
      let last = 0;
      for (let i = 0; i < out.length; i++) if (Math.abs(out[i]!) > 1 / 32768) last = i;
      // 0.5 s of audio (+ fade of the held last value + filter delay).
      expect(last / rate).to.be.closeTo(0.5, 0.007);
    }
  });

  it('fades in a loud start and fades the held value at an underrun, within 4 ms', async () => {
    const loud = pcmOf(() => 0.5, 2400);
    const out = await playOffline(24000, 0.25, [{ push: 'a', pcm: loud }]);
    for (let k = 0; k < FADE; k++) expect(out[k]).to.be.closeTo(0.5 * fadeIn(k), 1e-6);
    expect(out[FADE]).to.equal(0.5);
    expect(out[2399]).to.equal(0.5);
    for (let k = 0; k < FADE; k++) expect(out[2400 + k]).to.be.closeTo(0.5 * fadeIn(FADE - 1 - k), 1e-6);
    for (let k = 2400 + FADE; k < out.length; k++) expect(out[k]).to.equal(0);
  });

  it('keeps the node alive and silent while idle', async () => {
    const out = await playOffline(44100, 0.2, []);
    expect(out.every((v) => v === 0)).to.equal(true);
  });
});

describe('worklet cost (offline render speed)', function () {
  this.timeout(30000);

  /** CPU ms per second of audio rendered offline (median of 3), for a graph built by `build`. */
  async function costPerSecond(rate: number, seconds: number, build: (ctx: OfflineAudioContext) => Promise<void>): Promise<number> {
    const runs: number[] = [];
    for (let k = 0; k < 3; k++) {
      const ctx = new OfflineAudioContext(1, rate * seconds, rate);
      await build(ctx);
      const t0 = performance.now();
      await ctx.startRendering();
      runs.push((performance.now() - t0) / seconds);
    }
    return runs.sort((a, b) => a - b)[1]!;
  }

  it('measures player and capture cost per second of audio', async () => {
    const seconds = 10;
    const speech = pcmOf((i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 24000) + 0.1 * Math.sin((2 * Math.PI * 3100 * i) / 24000), 24000 * seconds);
    const player = (rate: number, prefill: boolean) =>
      costPerSecond(rate, seconds, async (ctx) => {
        await loadWorklet(ctx);
        const node = new AudioWorkletNode(ctx, PLAYER_PROCESSOR, {
          numberOfInputs: 0,
          numberOfOutputs: 1,
          outputChannelCount: [1],
          processorOptions: { commands: prefill ? [{ push: 'a', pcm: speech.slice(0) }, { end: 'a' }] : [] },
        });
        node.connect(ctx.destination);
      });
    const capture = (rate: number) =>
      costPerSecond(rate, seconds, async (ctx) => {
        await loadWorklet(ctx);
        const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 0 });
        const osc = new OscillatorNode(ctx, { frequency: 440 });
        osc.connect(node);
        osc.start();
      });
    const baseline = (rate: number) =>
      costPerSecond(rate, seconds, async (ctx) => {
        const osc = new OscillatorNode(ctx, { frequency: 440 });
        osc.connect(ctx.destination);
        osc.start();
      });
    const figures = {
      workletCostMsPerSecond: {
        player24kPassthrough: +(await player(24000, true)).toFixed(2),
        player44k1Upsampling: +(await player(44100, true)).toFixed(2),
        player48kUpsampling: +(await player(48000, true)).toFixed(2),
        player44k1Idle: +(await player(44100, false)).toFixed(2),
        capture44k1: +(await capture(44100)).toFixed(2),
        capture48k: +(await capture(48000)).toFixed(2),
        graphBaseline44k1: +(await baseline(44100)).toFixed(2),
        note: 'offline render wall time per second of audio, 2-core machine, median of 3 (includes graph overhead: compare with graphBaseline)',
      },
    };
    console.log(`AUDIO_FIGURES ${JSON.stringify(figures)}`);
    // Real-time safety margin: each worklet uses well under 5% of one core.
    expect(figures.workletCostMsPerSecond.player44k1Upsampling).to.be.below(50);
    expect(figures.workletCostMsPerSecond.capture44k1).to.be.below(50);
  });
});
