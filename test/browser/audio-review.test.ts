// Adversarial cases of the audio engine, each a bug a user could hit: a microphone that ends
// while the worklet module loads, PCM deltas split at an odd byte, a start() after close().
import { expect } from '@open-wc/testing';
import { AudioEngine } from '../../src/audio/audio-engine.js';
import { AudioError } from '../../src/audio/errors.js';
import { floatToInt16Sample } from '../../src/audio/pcm.js';
import { PLAYER_PROCESSOR } from '../../src/audio/messages.js';
import { probeAudio, recordHandlers, type AudioProbe } from './audio-probe.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Records the first `capacity` samples reaching it; posts them on any message.
const TAP_SOURCE = `registerProcessor('rv-review-tap', class extends AudioWorkletProcessor {
  constructor(o) { super(); this.buf = new Float32Array(o.processorOptions.capacity); this.n = 0;
    this.port.onmessage = () => this.port.postMessage(this.buf.slice(0, this.n)); }
  process(inputs) { const x = inputs[0][0]; for (let i = 0; x && i < x.length && this.n < this.buf.length; i++) this.buf[this.n++] = x[i]; return true; }
});`;

describe('audio review', function () {
  this.timeout(20000);
  this.retries(1);
  let probe: AudioProbe | null = null;
  let engine: AudioEngine | null = null;
  afterEach(async () => {
    probe?.restore();
    probe = null;
    await engine?.close();
    engine = null;
  });

  it('reports a microphone that ends while the worklet module is still loading (no silent dead mic)', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    probe = probeAudio({
      onContext: (context) => {
        const worklet = context.audioWorklet;
        const addModule = worklet.addModule.bind(worklet);
        // A slow worklet load (a cold cache, a slow worklet-url).
        worklet.addModule = async (url, options) => {
          await gate;
          return addModule(url, options);
        };
      },
    });
    const { handlers, log } = recordHandlers();
    engine = new AudioEngine({ muted: false }, handlers);
    const started = engine.start().then(
      () => null,
      (e: unknown) => e,
    );
    while (!probe.streams.length) await sleep(5);
    probe.streams[0]!.getAudioTracks()[0]!.dispatchEvent(new Event('ended')); // unplugged meanwhile
    release();
    const failure = await started;
    await sleep(50);
    const codes = [failure, ...log.errors].filter((e) => e instanceof AudioError).map((e) => (e as AudioError).code);
    expect(codes).to.include('mic_unavailable');
  });

  it('plays a delta split at an odd byte without misaligning the rest of the item (24 kHz context, bit-exact)', async () => {
    probe = probeAudio({ sampleRate: 24000 });
    engine = new AudioEngine({ muted: false }, recordHandlers().handlers);
    await engine.start();
    const ctx = engine.context;
    await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([TAP_SOURCE], { type: 'text/javascript' })));
    const tap = new AudioWorkletNode(ctx, 'rv-review-tap', {
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { capacity: 24000 },
    });
    probe.node(PLAYER_PROCESSOR).connect(tap);
    // 200 ms that start and end at zero (no fade), as base64 deltas of odd and even byte counts.
    const n = 4800;
    const input = new Int16Array(n);
    for (let i = 0; i < n; i++) input[i] = floatToInt16Sample(0.4 * Math.sin((2 * Math.PI * 440 * i) / 24000) * Math.sin((Math.PI * i) / (n - 1)) ** 2);
    const bytes = new Uint8Array(input.buffer);
    for (let i = 0, k = 0; i < bytes.length; k++) {
      const size = [1001, 2, 1999, 3, 1000][k % 5]!;
      engine.play('a', bytes.slice(i, i + size).buffer);
      i += size;
    }
    engine.end('a');
    await sleep(500);
    const out = await new Promise<Float32Array>((resolve) => {
      tap.port.onmessage = (e: MessageEvent<Float32Array>) => resolve(e.data);
      tap.port.postMessage(0);
    });
    const offset = out.findIndex((v) => v !== 0) - input.findIndex((v) => v !== 0);
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(out[offset + i]! * 32768 - input[i]!));
    expect(maxErr, 'error in LSB').to.be.at.most(1);
    expect(engine.heardMs('a', Infinity)).to.equal(200);
  });

  it('start() after close() rejects with AbortError and never opens the microphone', async () => {
    probe = probeAudio();
    const media = navigator.mediaDevices;
    const gum = media.getUserMedia;
    let asked = 0;
    media.getUserMedia = (constraints) => (asked++, gum.call(media, constraints));
    try {
      engine = new AudioEngine({ muted: false }, recordHandlers().handlers);
      await engine.close();
      const error = await engine.start().catch((e: unknown) => e);
      expect((error as DOMException).name).to.equal('AbortError');
      await sleep(100);
      expect(asked, 'getUserMedia calls').to.equal(0);
      expect(probe.streams.every((s) => s.getTracks().every((t) => t.readyState === 'ended'))).to.equal(true);
    } finally {
      media.getUserMedia = gum;
    }
  });
});
