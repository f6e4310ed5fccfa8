// Microphone capture and the engine in real time, with Chromium's fake microphone (a 400 Hz beep
// of 20 ms every 500 ms): frames, mute, teardown, typed errors, autoplay block, barge-in. Prints
// `AUDIO_FIGURES {json}` with the capture-to-send latency.
import { expect } from '@open-wc/testing';
import { AudioEngine, requestMicrophone } from '../../src/audio/audio-engine.js';
import { AudioError } from '../../src/audio/errors.js';
import { floatToInt16Sample } from '../../src/audio/pcm.js';
import { CAPTURE_PROCESSOR, PLAYER_PROCESSOR } from '../../src/audio/messages.js';
import { probeAudio, recordHandlers, type AudioProbe } from './audio-probe.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const figures: Record<string, unknown> = {};

/** `performance.now()` time at which the render thread processed context time `t` (speaker time − output latency). */
function renderTimeToPerformance(ctx: AudioContext, t: number): number {
  const stamp = ctx.getOutputTimestamp();
  return stamp.performanceTime! + (t - stamp.contextTime!) * 1000 - (ctx.baseLatency + ctx.outputLatency) * 1000;
}

describe('capture (real time, fake microphone)', function () {
  this.timeout(20000);
  // Real-time audio: a render thread starved by a loaded CI machine skips quanta, which these
  // sample-exact checks see as a glitch. One retry separates that from a real regression.
  this.retries(1);
  let probe: AudioProbe | null = null;
  afterEach(() => {
    probe?.restore();
    probe = null;
  });

  it('delivers PCM16 frames of 20–24 ms at 24 kHz with level and capture time; mutes; closes everything', async () => {
    probe = probeAudio();
    // Frames come only after start(): the engine exists by then.
    const { handlers, log } = recordHandlers(() => engine.context);
    const frames = log.frames;
    const engine = new AudioEngine({ muted: false }, handlers);
    const ctx = engine.context;
    await engine.start();
    expect(probe.streams.length).to.equal(1);
    const track = probe.streams[0]!.getAudioTracks()[0]!;
    const settings = track.getSettings();
    expect(settings.echoCancellation).to.equal(true);
    expect(settings.noiseSuppression).to.equal(true);
    expect(settings.autoGainControl).to.equal(true);
    const from = frames.length;
    await sleep(1100);
    const live = frames.slice(from);
    expect(live.length).to.be.within(45, 58);
    // At least 20 ms, cut at the end of the block that reaches it (≤ one block's outputs more).
    const perBlock = Math.ceil((128 * 24000) / ctx.sampleRate);
    for (const f of live) expect(f.pcm.length).to.be.within(480, 480 + perBlock);
    // Each starts where the previous one ended on the context clock, plus whole quanta the render
    // thread skipped under load.
    const quantum = 128 / ctx.sampleRate;
    for (let i = 1; i < live.length; i++) {
      const skipped = (live[i]!.capturedAt - live[i - 1]!.capturedAt - live[i - 1]!.pcm.length / 24000) / quantum;
      expect(skipped).to.be.closeTo(Math.max(0, Math.round(skipped)), 1e-4);
    }
    // The beep shows in the levels: loud frames and quiet ones.
    const levels = live.map((f) => f.level);
    expect(Math.max(...levels)).to.be.above(0.01);
    expect(Math.min(...levels)).to.be.below(Math.max(...levels) / 4);

    // Muted: digital silence (frames keep coming so server VAD can end the turn).
    engine.setMuted(true);
    await sleep(40);
    const mutedFrom = frames.length;
    await sleep(600); // spans at least one beep
    const muted = frames.slice(mutedFrom);
    expect(muted.length).to.be.at.least(25);
    for (const f of muted) {
      expect(f.pcm.every((v) => v === 0)).to.equal(true);
      expect(f.level).to.equal(0);
    }
    engine.setMuted(false);
    const unmutedFrom = frames.length;
    await sleep(700);
    expect(frames.length).to.be.above(unmutedFrom + 25);
    expect(Math.max(...frames.slice(unmutedFrom).map((f) => f.level))).to.be.above(0.01);

    // Capture → callback latency: from the frame's first sample entering the worklet to the
    // callback where the session sends it (so ≥ 20 ms: a frame must be complete first).
    const byClock = live.slice(5).map((f) => (f.ctxAtArrival - f.capturedAt) * 1000).sort((a, b) => a - b);
    const byPerf = live.slice(5).map((f) => f.arrivedAt - renderTimeToPerformance(ctx, f.capturedAt)).sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    expect(median(byPerf)).to.be.within(10, 80);
    figures.captureToSend = {
      medianMs: +median(byPerf).toFixed(1),
      p95Ms: +byPerf[Math.floor(byPerf.length * 0.95)]!.toFixed(1),
      contextClockMedianMs: +median(byClock).toFixed(1),
      frameMs: +((live.reduce((sum, f) => sum + f.pcm.length, 0) / live.length / 24000) * 1000).toFixed(1),
      contextRate: ctx.sampleRate,
      note: 'first sample of a frame entering the capture worklet → onFrame on the main thread (where the session base64-encodes and sends)',
    };

    await engine.close();
    const count = frames.length;
    expect(track.readyState).to.equal('ended');
    expect(ctx.state).to.equal('closed');
    await sleep(100);
    expect(frames.length).to.equal(count);
  });

  it('maps a real device failure to mic_unavailable and a track ending mid-call to mic_unavailable', async () => {
    // An unknown input device id: Chromium's own OverconstrainedError.
    const error = await requestMicrophone('no-such-device').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AudioError);
    expect((error as AudioError).code).to.equal('mic_unavailable');

    probe = probeAudio();
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false }, handlers);
    await engine.start();
    probe.streams[0]!.getAudioTracks()[0]!.dispatchEvent(new Event('ended')); // what unplugging the device fires
    expect(log.errors.map((e) => (e as AudioError).code)).to.deep.equal(['mic_unavailable']);
    await engine.close();
  });
});

describe('audio engine', function () {
  this.timeout(20000);
  let probe: AudioProbe | null = null;
  afterEach(() => {
    probe?.restore();
    probe = null;
  });

  it('creates the context synchronously, opens mic and player, barges in, releases everything', async () => {
    probe = probeAudio();
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false }, handlers);
    try {
      // Before any await: the context exists (inside the user's gesture).
      expect(engine.context).to.be.instanceOf(AudioContext);
      const ctx = engine.context;
      await engine.start();
      expect(probe.node(CAPTURE_PROCESSOR).context).to.equal(ctx);
      expect(probe.node(PLAYER_PROCESSOR).context).to.equal(ctx); // one context, one clock
      await sleep(200);
      expect(log.frames.length).to.be.above(3);
      await engine.clear(); // nothing played yet
      expect(engine.heardMs('item_1')).to.equal(null);
      const pcm = new Int16Array(24000);
      for (let i = 0; i < pcm.length; i++) pcm[i] = floatToInt16Sample(0.2 + 0.1 * Math.sin(i / 9));
      expect(engine.play('item_1', pcm.buffer)).to.equal(true);
      engine.end('item_1');
      await sleep(450);
      expect(log.output).to.be.above(0.1); // the output level that comes with each frame
      const heardBefore = engine.heardMs('item_1')!;
      await engine.clear();
      const heard = engine.heardMs('item_1')!;
      // The clear takes a few ms to be acknowledged; audio keeps sounding meanwhile.
      expect(heard).to.be.within(Math.max(0, heardBefore - 15), heardBefore + 60);
      expect(heard).to.be.within(300, 480);
      expect(engine.play('item_1', new Int16Array(480).buffer)).to.equal(false); // late delta dropped
      expect(engine.playing).to.equal(false);
      expect(log.playback).to.deep.equal([true, false]);
      engine.setMuted(true);
      const track = probe.streams[0]!.getAudioTracks()[0]!;
      await engine.close();
      await engine.close(); // idempotent
      expect(ctx.state).to.equal('closed');
      expect(track.readyState).to.equal('ended');
      expect(probe.streams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))).to.equal(true);
      expect(engine.play('late', new ArrayBuffer(960))).to.equal(false);
    } finally {
      await engine.close();
    }
  });

  it('opens the chosen input device and routes the output to a chosen sink', async () => {
    probe = probeAudio();
    const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput' && d.deviceId);
    const chosen = devices.at(-1)!;
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false, deviceId: chosen.deviceId }, handlers);
    try {
      await engine.start();
      const settings = probe.streams[0]!.getAudioTracks()[0]!.getSettings();
      expect(settings.deviceId).to.equal(chosen.deviceId);
      // Chromium has AudioContext.setSinkId: '' is the default device; an unknown one is refused.
      expect(await engine.setSinkId('')).to.equal(true);
      expect((engine.context as AudioContext & { sinkId: string }).sinkId).to.equal('');
      let refused: unknown = null;
      await engine.setSinkId('no-such-sink').catch((e: unknown) => (refused = e));
      expect(refused, 'unknown sink').to.be.instanceOf(DOMException);
      await sleep(100);
      expect(log.frames.length, 'capture still runs').to.be.above(0);
    } finally {
      await engine.close();
    }
  });

  it('surfaces an autoplay-suspended context as audio_blocked and resumes from a tap', async () => {
    let ctx: AudioContext | null = null;
    probe = probeAudio({
      onContext: (context) => {
        ctx = context;
        void context.suspend();
        // What Chrome does without a user activation: resume() stays pending.
        Object.defineProperty(context, 'resume', { configurable: true, value: () => new Promise(() => {}) });
      },
    });
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false }, handlers);
    await engine.start();
    expect(log.blocked).to.deep.equal([true]);
    delete (ctx as unknown as { resume?: unknown }).resume; // the user tapped: resume works again
    expect(await engine.resume()).to.equal(true);
    expect(log.blocked).to.deep.equal([true, false]);
    await engine.close();
  });

  it('rejects with worklet_load_failed and leaves nothing open', async () => {
    probe = probeAudio();
    const engine = new AudioEngine({ muted: false, workletUrl: '/nowhere/worklets' }, recordHandlers().handlers);
    const error = await engine.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as AudioError).code).to.equal('worklet_load_failed');
    expect(engine.context.state).to.equal('closed');
    expect(probe.streams.length).to.equal(1);
    expect(probe.streams[0]!.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
  });

  it('queues audio that arrives before the player is ready (a greeting during the permission prompt)', async () => {
    probe = probeAudio();
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false }, handlers);
    const started = engine.start();
    const pcm = new Int16Array(2400).fill(3000); // 100 ms
    expect(probe.nodes).to.deep.equal([]); // no player node yet
    expect(engine.play('greeting', pcm.buffer)).to.equal(true);
    engine.end('greeting');
    expect(engine.playing).to.equal(true);
    await started;
    await sleep(250);
    expect(engine.heardMs('greeting', Infinity)).to.equal(100); // all of it rendered
    expect(engine.heardMs('greeting')).to.be.above(50);
    expect(log.playback).to.deep.equal([true, false]);
    expect(engine.playing).to.equal(false);
    await engine.close();
    expect(engine.play('late', new ArrayBuffer(960))).to.equal(false);
  });

  it('close() during start() rejects the start and releases what opened meanwhile', async () => {
    probe = probeAudio();
    const engine = new AudioEngine({ muted: false }, recordHandlers().handlers);
    const started = engine.start().then(
      () => null,
      (e: unknown) => e,
    );
    await engine.close();
    const error = await started;
    expect((error as DOMException).name).to.equal('AbortError');
    expect(engine.context.state).to.equal('closed');
    expect(probe.streams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))).to.equal(true);
    // A closed engine does not start again.
    expect(((await engine.start().catch((e: unknown) => e)) as DOMException).name).to.equal('AbortError');
  });

  it('starts muted when muted before the microphone opened', async () => {
    probe = probeAudio();
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false }, handlers);
    const started = engine.start();
    engine.setMuted(true); // during the permission prompt
    await started;
    await sleep(1100); // spans at least two beeps
    expect(log.frames.length).to.be.above(40);
    expect(log.frames.every((f) => f.level === 0 && f.pcm.every((v) => v === 0))).to.equal(true);
    await engine.close();
  });
});

describe('capture figures', () => {
  it('prints the figures of this run', () => {
    console.log(`AUDIO_FIGURES ${JSON.stringify(figures)}`);
    expect(figures.captureToSend).to.not.equal(undefined);
  });
});
