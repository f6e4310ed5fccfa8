// Microphone capture and the engine façade in real time, with Chromium's fake microphone (a
// 400 Hz beep of 20 ms every 500 ms): frames, mute, teardown, typed errors, autoplay block,
// barge-in. Prints `AUDIO_FIGURES {json}` with the capture-to-send latency.
import { expect } from '@open-wc/testing';
import { AudioCapture, requestMicrophone } from '../../src/audio/capture.js';
import { AudioEngine } from '../../src/audio/audio-engine.js';
import { AudioError } from '../../src/audio/errors.js';
import { renderTimeToPerformance } from '../../src/audio/clock.js';
import { floatToInt16Sample } from '../../src/audio/pcm.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const figures: Record<string, unknown> = {};

interface Frame {
  pcm: Int16Array;
  level: number;
  capturedAt: number;
  arrivedAt: number;
  ctxAtArrival: number;
  mappedCapture: number;
}

/** Records every getUserMedia stream so a test can check that all tracks were stopped. */
function spyOnMicrophone(): { streams: MediaStream[]; restore: () => void } {
  const media = navigator.mediaDevices;
  const original = media.getUserMedia;
  const streams: MediaStream[] = [];
  media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const s = await original.call(media, constraints);
    streams.push(s);
    return s;
  };
  return { streams, restore: () => void (media.getUserMedia = original) };
}

describe('capture (real time, fake microphone)', function () {
  this.timeout(20000);

  it('delivers 20 ms PCM16 frames at 24 kHz with level and capture time; mutes; closes everything', async () => {
    const ctx = new AudioContext();
    await ctx.resume();
    const frames: Frame[] = [];
    const capture = await AudioCapture.open(ctx, {
      onFrame: (pcm, level, capturedAt) =>
        frames.push({
          pcm: new Int16Array(pcm),
          level,
          capturedAt,
          arrivedAt: performance.now(),
          ctxAtArrival: ctx.currentTime,
          mappedCapture: renderTimeToPerformance(ctx, capturedAt),
        }),
    });
    const settings = capture.track!.getSettings();
    expect(settings.echoCancellation).to.equal(true);
    expect(settings.noiseSuppression).to.equal(true);
    expect(settings.autoGainControl).to.equal(true);
    await sleep(1100);
    const live = frames.slice();
    expect(live.length).to.be.within(45, 58);
    for (const f of live) expect(f.pcm.length).to.equal(480);
    for (let i = 1; i < live.length; i++) expect(live[i]!.capturedAt - live[i - 1]!.capturedAt).to.be.closeTo(0.02, 1e-6);
    // The beep shows in the levels: loud frames and quiet ones.
    const levels = live.map((f) => f.level);
    expect(Math.max(...levels)).to.be.above(0.01);
    expect(Math.min(...levels)).to.be.below(Math.max(...levels) / 4);
    expect(capture.level).to.be.at.least(0);

    // Muted: digital silence (frames keep coming so server VAD can end the turn).
    capture.setMuted(true);
    await sleep(40);
    const mutedFrom = frames.length;
    await sleep(600); // spans at least one beep
    const muted = frames.slice(mutedFrom);
    expect(muted.length).to.be.at.least(25);
    for (const f of muted) {
      expect(f.pcm.every((v) => v === 0)).to.equal(true);
      expect(f.level).to.equal(0);
    }
    expect(capture.level).to.equal(0);
    // Drop mode: nothing at all.
    capture.setMuted(true, 'drop');
    await sleep(40);
    const dropFrom = frames.length;
    await sleep(200);
    expect(frames.length).to.equal(dropFrom);
    capture.setMuted(false);
    await sleep(700);
    expect(frames.length).to.be.above(dropFrom + 25);
    expect(Math.max(...frames.slice(dropFrom).map((f) => f.level))).to.be.above(0.01);

    // Capture → callback latency: from the frame's first sample entering the worklet to the
    // callback where the session sends it (so ≥ 20 ms: a frame must be complete first).
    const byClock = live.slice(5).map((f) => (f.ctxAtArrival - f.capturedAt) * 1000).sort((a, b) => a - b);
    const byPerf = live.slice(5).map((f) => f.arrivedAt - f.mappedCapture).sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    expect(median(byPerf)).to.be.within(10, 80);
    figures.captureToSend = {
      medianMs: +median(byPerf).toFixed(1),
      p95Ms: +byPerf[Math.floor(byPerf.length * 0.95)]!.toFixed(1),
      contextClockMedianMs: +median(byClock).toFixed(1),
      frameMs: 20,
      contextRate: ctx.sampleRate,
      note: 'first sample of a frame entering the capture worklet → onFrame on the main thread (where the session base64-encodes and sends)',
    };

    const track = capture.track!;
    await capture.close();
    const count = frames.length;
    expect(track.readyState).to.equal('ended');
    await sleep(100);
    expect(frames.length).to.equal(count);
    expect(ctx.state).to.equal('running'); // not its context: left open
    await ctx.close();
  });

  it('opens its own context when given none and closes it', async () => {
    const capture = await AudioCapture.open(null, { onFrame: () => {} });
    const ctx = capture.context;
    expect(ctx.state).not.to.equal('closed');
    await capture.close();
    expect(ctx.state).to.equal('closed');
  });

  it('maps an unknown device to mic_unavailable and a track ending mid-call to mic_unavailable', async () => {
    const error = await requestMicrophone('no-such-device').then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AudioError);
    expect((error as AudioError).code).to.equal('mic_unavailable');

    const errors: AudioError[] = [];
    const capture = await AudioCapture.open(null, { onFrame: () => {}, onError: (e) => errors.push(e) });
    capture.track!.dispatchEvent(new Event('ended')); // what unplugging the device fires
    expect(errors.map((e) => e.code)).to.deep.equal(['mic_unavailable']);
    await capture.close();
  });
});

describe('audio engine', function () {
  this.timeout(20000);

  it('creates the context synchronously in start(), opens mic and player, barges in, releases everything', async () => {
    const spy = spyOnMicrophone();
    let frames = 0;
    const playback: boolean[] = [];
    const engine = new AudioEngine({ onFrame: () => frames++, onPlayback: (p) => playback.push(p) });
    try {
      const started = engine.start();
      // Before any await: the context exists (inside the user's gesture).
      expect(engine.context).to.be.instanceOf(AudioContext);
      const ctx = engine.context!;
      await started;
      expect(engine.audioBlocked).to.equal(false);
      expect(engine.capture!.context).to.equal(ctx);
      expect(engine.player!.context).to.equal(ctx); // one context, one clock
      await sleep(200);
      expect(frames).to.be.above(3);
      expect(await engine.interrupt()).to.equal(null); // nothing heard yet: no truncate
      const player = engine.player!;
      const pcm = new Int16Array(24000);
      for (let i = 0; i < pcm.length; i++) pcm[i] = floatToInt16Sample(0.2 + 0.1 * Math.sin(i / 9));
      player.push('item_1', pcm.buffer);
      player.end('item_1');
      await sleep(450);
      const heardBefore = engine.audioEndMs('item_1')!;
      const barge = await engine.interrupt();
      expect(barge).to.not.equal(null);
      expect(barge!.itemId).to.equal('item_1');
      expect(barge!.receivedMs).to.equal(1000);
      expect(Number.isInteger(barge!.audioEndMs)).to.equal(true);
      // The clear takes a few ms to be acknowledged; audio keeps sounding meanwhile.
      expect(barge!.audioEndMs).to.be.within(Math.max(0, heardBefore - 15), heardBefore + 60);
      expect(barge!.audioEndMs).to.be.within(300, 480);
      expect(barge!.complete).to.equal(false);
      expect(player.push('item_1', new Int16Array(480).buffer)).to.equal(false); // late delta dropped
      expect(playback).to.deep.equal([true, false]);
      engine.setMuted(true);
      expect(engine.capture!.muted).to.equal(true);
      const track = engine.capture!.track!;
      await engine.close();
      await engine.close(); // idempotent
      expect(ctx.state).to.equal('closed');
      expect(track.readyState).to.equal('ended');
      expect(engine.context).to.equal(null);
      expect(spy.streams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))).to.equal(true);
    } finally {
      spy.restore();
      await engine.close();
    }
  });

  it('surfaces an autoplay-suspended context as audio_blocked and resumes from a tap', async () => {
    const blocked: { blocked: boolean; code?: string }[] = [];
    let ctx: AudioContext | null = null;
    const engine = new AudioEngine({
      onFrame: () => {},
      capture: false,
      onBlocked: (b, error) => blocked.push({ blocked: b, ...(error && { code: error.code }) }),
      createContext: (options) => {
        ctx = new AudioContext(options);
        void ctx.suspend();
        // What Chrome does without a user activation: resume() stays pending.
        Object.defineProperty(ctx, 'resume', { configurable: true, value: () => new Promise(() => {}) });
        return ctx;
      },
    });
    await engine.start();
    expect(engine.audioBlocked).to.equal(true);
    expect(blocked).to.deep.equal([{ blocked: true, code: 'audio_blocked' }]);
    delete (ctx as unknown as { resume?: unknown }).resume; // the user tapped: resume works again
    expect(await engine.resume()).to.equal(true);
    expect(engine.audioBlocked).to.equal(false);
    expect(blocked[blocked.length - 1]).to.deep.equal({ blocked: false });
    await engine.close();
  });

  it('rejects with worklet_load_failed and leaves nothing open', async () => {
    const spy = spyOnMicrophone();
    const engine = new AudioEngine({ onFrame: () => {}, workletUrl: '/nowhere/worklets' });
    try {
      const started = engine.start();
      const ctx = engine.context!;
      const error = await started.then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as AudioError).code).to.equal('worklet_load_failed');
      expect(ctx.state).to.equal('closed');
      expect(engine.context).to.equal(null);
      expect(spy.streams.length).to.equal(1);
      expect(spy.streams[0]!.getTracks().every((t) => t.readyState === 'ended')).to.equal(true);
    } finally {
      spy.restore();
    }
  });

  it('queues audio that arrives before the player is ready (a greeting during the permission prompt)', async () => {
    const playback: boolean[] = [];
    const engine = new AudioEngine({ onFrame: () => {}, capture: false, onPlayback: (p) => playback.push(p) });
    const started = engine.start();
    const pcm = new Int16Array(2400).fill(3000); // 100 ms
    expect(engine.player).to.equal(null);
    expect(engine.play('greeting', pcm.buffer)).to.equal(true);
    engine.end('greeting');
    expect(engine.playing).to.equal(true);
    await started;
    await sleep(250);
    expect(engine.player!.receivedMs('greeting')).to.equal(100);
    expect(engine.player!.renderedMs('greeting')).to.equal(100);
    expect(engine.heardMs('greeting')).to.be.above(50);
    expect(playback).to.deep.equal([true, false]);
    expect(engine.playing).to.equal(false);
    await engine.close();
    expect(engine.play('late', new ArrayBuffer(960))).to.equal(false);
  });

  it('close() during start() rejects the start and releases what opened meanwhile', async () => {
    const spy = spyOnMicrophone();
    try {
      const engine = new AudioEngine({ onFrame: () => {} });
      const started = engine.start().then(
        () => null,
        (e: unknown) => e,
      );
      const ctx = engine.context!;
      await engine.close();
      const error = await started;
      expect((error as DOMException).name).to.equal('AbortError');
      expect(ctx.state).to.equal('closed');
      expect(spy.streams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))).to.equal(true);
      expect(() => engine.prepare()).to.throw(DOMException);
    } finally {
      spy.restore();
    }
  });

  it('can run the player in its own 24 kHz context', async () => {
    const engine = new AudioEngine({ onFrame: () => {}, capture: false, playerSampleRate: 24000 });
    await engine.start();
    expect(engine.player!.context.sampleRate).to.equal(24000);
    expect(engine.player!.context).not.to.equal(engine.context);
    await engine.close();
  });
});

describe('capture figures', () => {
  it('prints the figures of this run', () => {
    console.log(`AUDIO_FIGURES ${JSON.stringify(figures)}`);
    expect(figures.captureToSend).to.not.equal(undefined);
  });
});
