// Edge cases of the audio layer: a relative worklet-url under a <base> element, real-time engines
// at context rates other than 44.1/48 kHz (16 kHz Bluetooth headsets, 22.05, 96 kHz; the offline
// player at those rates is in audio-offline), empty chunks, two engines on one page.
import { expect } from '@open-wc/testing';
import { AudioEngine } from '../../src/audio/audio-engine.js';
import { loadWorklet } from '../../src/audio/worklet-loader.js';
import { PLAYER_PROCESSOR } from '../../src/audio/messages.js';
import { floatToInt16Sample } from '../../src/audio/pcm.js';
import { probeAudio, recordHandlers } from './audio-probe.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function pcmOf(f: (i: number) => number, n: number): ArrayBuffer {
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = floatToInt16Sample(f(i));
  return pcm.buffer;
}

describe('audio edges', function () {
  this.timeout(20000);
  // Real-time audio on a loaded machine can skip quanta: one retry, as in the other audio tests.
  this.retries(1);

  it('resolves a relative worklet-url against the document base URL, as the browser resolves URLs', async () => {
    const base = document.createElement('base');
    base.href = `${location.origin}/dist/`;
    document.head.prepend(base);
    const ctx = new AudioContext();
    try {
      await loadWorklet(ctx, 'worklets/');
      expect(() => new AudioWorkletNode(ctx, PLAYER_PROCESSOR)).not.to.throw();
    } finally {
      base.remove();
      await ctx.close();
    }
  });

  for (const rate of [16000, 22050, 96000]) {
    it(`engine in a ${rate} Hz context: frames of 20–24 ms, plays, heard time reaches what was received`, async () => {
      const probe = probeAudio({ sampleRate: rate });
      const { handlers, log } = recordHandlers();
      const engine = new AudioEngine({ muted: false }, handlers);
      try {
        await engine.start();
        expect(engine.context.sampleRate).to.equal(rate);
        engine.play('a', pcmOf((i) => 0.3 * Math.sin((2 * Math.PI * 500 * i) / 24000), 4800));
        engine.end('a');
        await sleep(600);
        expect(engine.heardMs('a', Infinity)).to.equal(200);
        expect(engine.heardMs('a')).to.equal(200);
        expect(log.playback).to.deep.equal([true, false]);
        const lengths = log.frames.map((f) => f.pcm.length);
        expect(lengths.length).to.be.above(10);
        expect(Math.min(...lengths)).to.be.at.least(480);
        expect(Math.max(...lengths)).to.be.at.most(480 + Math.ceil((128 * 24000) / rate));
      } finally {
        probe.restore();
        await engine.close();
      }
    });
  }

  it('two engines on one page each capture and play', async () => {
    const a = recordHandlers();
    const b = recordHandlers();
    const ea = new AudioEngine({ muted: false }, a.handlers);
    const eb = new AudioEngine({ muted: false }, b.handlers);
    try {
      await Promise.all([ea.start(), eb.start()]);
      ea.play('x', pcmOf(() => 0.2, 2400));
      eb.play('y', pcmOf(() => 0.2, 4800));
      ea.end('x');
      eb.end('y');
      await sleep(500);
      expect(ea.heardMs('x', Infinity)).to.equal(100);
      expect(eb.heardMs('y', Infinity)).to.equal(200);
      expect(a.log.frames.length).to.be.above(10);
      expect(b.log.frames.length).to.be.above(10);
      expect(a.log.playback).to.deep.equal([true, false]);
      expect(b.log.playback).to.deep.equal([true, false]);
    } finally {
      await Promise.all([ea.close(), eb.close()]);
    }
  });

  it('ignores zero-length chunks', async () => {
    const { handlers, log } = recordHandlers();
    const engine = new AudioEngine({ muted: false }, handlers);
    try {
      await engine.start();
      expect(engine.play('z', new ArrayBuffer(0))).to.equal(true);
      expect(engine.heardMs('z')).to.equal(null);
      engine.play('z', pcmOf(() => 0.2, 2400));
      engine.play('z', new ArrayBuffer(0));
      engine.end('z');
      await sleep(400);
      expect(engine.heardMs('z', Infinity)).to.equal(100);
      expect(log.playback).to.deep.equal([true, false]);
      expect(engine.playing).to.equal(false);
    } finally {
      await engine.close();
    }
  });
});
