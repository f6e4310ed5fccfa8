// Figure 9, client side: N real-time Realtime sessions over `ws`, in a process of their own.
// Each streams 20 ms `input_audio_buffer.append`s on the wall clock (an utterance, then silence,
// in a loop, from a random phase) and receives what the server answers: server VAD turns, a
// spoken reply per turn (its audio paced by the server at `speedup`× real time).
//
// Event lag: for every audio delta, arrival − when the server's own schedule says it should have
// been sent: `response.created` arrival + the scenario's latency + (audio already sent in this
// response) / speedup. Delays of the server's timers and event loop (and of this process, whose
// own loop delay is reported beside it) show up as lag.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

const url = /** @type {string} */ (process.env.RVB_URL);
const apiKey = process.env.RVB_API_KEY ?? 'sk-bench-capacity';
const latencyMs = Number(process.env.RVB_LATENCY_MS ?? 200);
const speedup = Number(process.env.RVB_SPEEDUP ?? 4);
const send = (/** @type {unknown} */ m) => process.send?.(m);

// The utterance: 0.85 s of the speech fixture (48 kHz → 24 kHz), then 4.15 s of silence.
const wav = readFileSync(new URL('../../test/fixtures/speech-order.wav', import.meta.url));
const dataAt = wav.indexOf('data') + 8;
const clip = new Int16Array(Math.floor(0.85 * 24000));
for (let i = 0; i < clip.length; i++) {
  const j = dataAt + 2 * (2 * (i + 5 * 24000));
  clip[i] = (wav.readInt16LE(j) + wav.readInt16LE(j + 2)) >> 1;
}
const cycle = new Int16Array(5 * 24000);
cycle.set(clip);
/** @type {string[]} */
const frames = [];
for (let f = 0; f < cycle.length / 480; f++) {
  const audio = Buffer.from(cycle.buffer, f * 960, 960).toString('base64');
  frames.push(`{"type":"input_audio_buffer.append","audio":"${audio}"}`);
}
const SESSION = JSON.stringify({
  type: 'session.update',
  session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 500, create_response: true, interrupt_response: true } } } },
});

/** @type {number[]} */
let lags = [];
let errors = 0;
let deltas = 0;
let closed = 0;
/** @type {Set<Session>} */
const sessions = new Set();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

class Session {
  /** @param {number} phase */
  constructor(phase) {
    this.phase = phase;
    this.sent = 0;
    this.start = 0;
    this.open = false;
    /** @type {{t: number, samples: number} | null} */
    this.response = null;
    this.ws = new WebSocket(`${url}?model=gpt-realtime`, ['realtime'], { headers: { authorization: `Bearer ${apiKey}` }, perMessageDeflate: false });
    this.ws.on('open', () => {
      this.ws.send(SESSION);
      this.open = true;
      this.start = performance.now();
    });
    this.ws.on('message', (/** @type {Buffer} */ data) => this.#receive(data));
    this.ws.on('error', () => {});
    this.ws.on('close', () => {
      if (this.open) closed++;
      this.open = false;
      sessions.delete(this);
    });
  }

  /** @param {Buffer} data */
  #receive(data) {
    const t = performance.now();
    const head = data.toString('latin1', 0, Math.min(data.length, 120));
    if (head.includes('"response.output_audio.delta"')) {
      const r = this.response;
      const at = data.lastIndexOf('"delta":"') + 9;
      let b64 = data.length - 2 - at;
      if (data[data.length - 3] === 61) b64--;
      if (data[data.length - 4] === 61) b64--;
      const samples = Math.floor((b64 * 3) / 4 / 2);
      deltas++;
      if (r) {
        lags.push(t - (r.t + latencyMs + r.samples / 24 / speedup));
        r.samples += samples;
      }
    } else if (head.includes('"response.created"')) {
      this.response = { t, samples: 0 };
    } else if (head.includes('"type":"error"')) {
      errors++;
    }
  }

  /** Sends the frames that are due by now. @param {number} now */
  pump(now) {
    if (!this.open) return;
    const due = Math.floor((now - this.start) / 20) + 1;
    while (this.sent < due) {
      this.ws.send(/** @type {string} */ (frames[(this.phase + this.sent) % frames.length]));
      this.sent++;
    }
  }
}

setInterval(() => {
  const now = performance.now();
  for (const s of sessions) s.pump(now);
}, 10);

/** @param {number} n */
async function scale(n) {
  for (const s of [...sessions].slice(n)) {
    sessions.delete(s);
    s.open = false;
    s.ws.close(1000);
  }
  while (sessions.size < n) {
    const batch = Math.min(10, n - sessions.size);
    for (let i = 0; i < batch; i++) sessions.add(new Session(Math.floor(Math.random() * frames.length)));
    await new Promise((r) => setTimeout(r, 50));
  }
  const deadline = Date.now() + 10000;
  while ([...sessions].some((s) => !s.open) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return [...sessions].filter((s) => s.open).length;
}

// The bench went away (interrupted): so do we.
process.on('disconnect', () => process.exit(0));
process.on('message', async (/** @type {any} */ m) => {
  if (m.type === 'scale') {
    send({ type: 'scaled', id: m.id, open: await scale(m.n) });
  } else if (m.type === 'measure') {
    lags = [];
    errors = 0;
    deltas = 0;
    closed = 0;
    loop.reset();
    const cpu = process.cpuUsage();
    const since = performance.now();
    await new Promise((r) => setTimeout(r, m.ms));
    const used = process.cpuUsage(cpu);
    const cpuPercent = Math.round((used.user + used.system) / 10 / (performance.now() - since));
    const sorted = lags.slice().sort((a, b) => a - b);
    const pct = (/** @type {number} */ p) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10 : null);
    send({
      type: 'measured',
      id: m.id,
      deltas,
      errors,
      closed,
      open: [...sessions].filter((s) => s.open).length,
      lagP50: pct(50),
      lagP99: pct(99),
      lagMax: sorted.length ? Math.round(sorted[sorted.length - 1] * 10) / 10 : null,
      clientLoopP99: Math.round(loop.percentile(99) / 1e4) / 100,
      clientLoopMax: Math.round(loop.max / 1e4) / 100,
      clientCpuPercent: cpuPercent,
    });
  } else if (m.type === 'close') {
    for (const s of sessions) s.ws.terminate();
    process.exit(0);
  }
});
send({ type: 'ready' });
