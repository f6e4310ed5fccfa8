import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import {
  decodeBase64,
  parseServerEvent,
  realtimeUrl,
  TransportError,
  WebSocketTransport,
  type ParseResult,
  type TransportCloseInfo,
  type TransportHandlers,
  type TransportStatus,
  type WebSocketConstructor,
} from '../../src/protocol/index.js';

const TOKEN = 'ek_68af0123456789abcdef';

/** A scriptable stand-in for the browser's WebSocket: the test opens, feeds and closes it. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  static throwOnConstruct: Error | undefined;
  binaryType = 'blob';
  bufferedAmount = 0;
  readyState = 0;
  sent: string[] = [];
  closeCalls: [number | undefined, string | undefined][] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    if (FakeSocket.throwOnConstruct) throw FakeSocket.throwOnConstruct;
    FakeSocket.instances.push(this);
  }
  send(data: string) {
    if (this.readyState !== 1) throw new DOMException('Still in CONNECTING state.', 'InvalidStateError');
    this.sent.push(data);
  }
  close(code?: number, reason?: string) {
    if (code !== undefined && code !== 1000 && (code < 3000 || code > 4999)) throw new DOMException('bad code', 'InvalidAccessError');
    this.closeCalls.push([code, reason]);
    this.readyState = 2;
  }
  // ── the test plays the network ──
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(data: unknown) {
    this.onmessage?.({ data });
  }
  closed(code: number, reason = '') {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }
}
const Fake = FakeSocket as unknown as WebSocketConstructor;
const lastSocket = () => FakeSocket.instances.at(-1)!;

function recorder() {
  const messages: ParseResult[] = [];
  const statuses: TransportStatus[] = [];
  const closes: TransportCloseInfo[] = [];
  const handlers: TransportHandlers = {
    message: (r) => messages.push(r),
    status: (s) => statuses.push(s),
    close: (c) => closes.push(c),
  };
  return { messages, statuses, closes, handlers };
}

async function openTransport() {
  const t = new WebSocketTransport({ WebSocket: Fake });
  const rec = recorder();
  const connecting = t.connect({ url: 'wss://api.example.test/v1/realtime', model: 'gpt-realtime', token: TOKEN }, rec.handlers);
  lastSocket().open();
  await connecting;
  return { t, rec, socket: lastSocket() };
}

const rejection = async (p: Promise<unknown>): Promise<TransportError> => {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(TransportError);
    return e as TransportError;
  }
  throw new Error('expected a rejection');
};

describe('realtimeUrl', () => {
  it('appends ?model=, respects an existing query, replaces a model, drops a hash', () => {
    expect(realtimeUrl('wss://api.openai.com/v1/realtime', 'gpt-realtime')).to.equal('wss://api.openai.com/v1/realtime?model=gpt-realtime');
    expect(realtimeUrl('wss://h/v1/realtime?foo=1', 'm')).to.equal('wss://h/v1/realtime?foo=1&model=m');
    expect(realtimeUrl('wss://h/v1/realtime?', 'm')).to.equal('wss://h/v1/realtime?model=m');
    expect(realtimeUrl('wss://h/v1/realtime?model=old&x=2', 'new')).to.equal('wss://h/v1/realtime?x=2&model=new');
    expect(realtimeUrl('wss://h/v1/realtime?models=keep', 'm')).to.equal('wss://h/v1/realtime?models=keep&model=m');
    expect(realtimeUrl('wss://h/rt#frag', 'a b/c&d')).to.equal('wss://h/rt?model=a%20b%2Fc%26d');
    expect(realtimeUrl('wss://h/rt?x=1', '')).to.equal('wss://h/rt?x=1');
  });
});

describe('WebSocketTransport (fake socket)', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    FakeSocket.throwOnConstruct = undefined;
  });

  it('opens url?model= with subprotocols realtime + openai-insecure-api-key, binaryType arraybuffer', async () => {
    const { t, rec, socket } = await openTransport();
    expect(socket.url).to.equal('wss://api.example.test/v1/realtime?model=gpt-realtime');
    expect(socket.protocols).to.deep.equal(['realtime', `openai-insecure-api-key.${TOKEN}`]);
    expect(socket.binaryType).to.equal('arraybuffer');
    expect(t.status).to.equal('open');
    expect(rec.statuses).to.deep.equal(['connecting', 'open']);
  });

  it('refuses an sk- key (and unusable keys) before any socket exists', async () => {
    const t = new WebSocketTransport({ WebSocket: Fake });
    const rec = recorder();
    for (const [token, code] of [
      ['sk-proj-secret123', 'insecure_api_key'],
      [' sk-secret123', 'insecure_api_key'],
      ['', 'invalid_token'],
      ['ek_a,b', 'invalid_token'],
      ['ek_with space', 'invalid_token'],
      ['ek_ünicode', 'invalid_token'],
    ] as const) {
      const e = await rejection(t.connect({ url: 'wss://h/rt', model: 'm', token }, rec.handlers));
      expect(e.code, token).to.equal(code);
      if (token) expect(e.message).to.not.contain(token.trim());
    }
    expect(FakeSocket.instances).to.have.length(0);
    expect(t.status).to.equal('idle');
    expect(rec.statuses).to.deep.equal([]);
  });

  it('never shows the key: not in the URL, the status, the object or a constructor error', async () => {
    const { t, socket } = await openTransport();
    expect(socket.url).to.not.contain(TOKEN);
    expect(JSON.stringify(t)).to.not.contain(TOKEN);
    expect(Object.values(t).join(' ')).to.not.contain(TOKEN);
    expect(t.status).to.not.contain(TOKEN);
    FakeSocket.throwOnConstruct = new DOMException(`The subprotocol 'openai-insecure-api-key.${TOKEN}' is invalid.`, 'SyntaxError');
    const t2 = new WebSocketTransport({ WebSocket: Fake });
    const e = await rejection(t2.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN }, recorder().handlers));
    expect(e.code).to.equal('connect_failed');
    expect(`${e.message} ${String(e)} ${JSON.stringify(e)}`).to.not.contain(TOKEN);
  });

  it('times out a connection that never opens, and closes the socket', async () => {
    const t = new WebSocketTransport({ WebSocket: Fake });
    const rec = recorder();
    const started = performance.now();
    const e = await rejection(t.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN, timeoutMs: 50 }, rec.handlers));
    expect(e.code).to.equal('connect_timeout');
    expect(performance.now() - started).to.be.lessThan(1000);
    expect(lastSocket().closeCalls).to.have.length(1);
    expect(t.status).to.equal('closed');
    lastSocket().closed(1006); // a late close event of the abandoned socket changes nothing
    expect(rec.closes).to.have.length(0);
    expect(rec.statuses).to.deep.equal(['connecting', 'closed']);
  });

  it('a socket that closes before opening rejects connect_failed with the close code', async () => {
    const t = new WebSocketTransport({ WebSocket: Fake });
    const rec = recorder();
    const connecting = t.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN }, rec.handlers);
    lastSocket().closed(1006);
    const e = await rejection(connecting);
    expect(e.code).to.equal('connect_failed');
    expect(e.close).to.deep.equal({ code: 1006, reason: '', initiatedByClient: false });
    expect(rec.closes).to.have.length(0);
  });

  it('close() while connecting rejects aborted', async () => {
    const t = new WebSocketTransport({ WebSocket: Fake });
    const connecting = t.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN }, recorder().handlers);
    t.close();
    expect(t.status).to.equal('closing');
    lastSocket().closed(1006);
    expect((await rejection(connecting)).code).to.equal('aborted');
    expect(t.status).to.equal('closed');
  });

  it('delivers every frame through parseServerEvent (events, errors, binary)', async () => {
    const { rec, socket } = await openTransport();
    socket.receive('{"type":"session.created","event_id":"e1","session":{"id":"s"}}');
    socket.receive('{"type":"response.audio.delta","event_id":"e2","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAA="}');
    socket.receive('not json');
    socket.receive(new ArrayBuffer(4));
    socket.receive('{"type":"brand.new","x":1}');
    expect(rec.messages.map((m) => (m.ok ? m.event.type : m.error.code))).to.deep.equal([
      'session.created',
      'response.output_audio.delta',
      'invalid_json',
      'binary_frame',
      'brand.new',
    ]);
  });

  it('send stamps a unique evt_ id when there is none, keeps one that is there, returns it', async () => {
    const { t, socket } = await openTransport();
    const ids = [t.send({ type: 'response.create' }), t.send({ type: 'input_audio_buffer.commit' }), t.send({ type: 'response.cancel', event_id: 'mine' })];
    expect(ids[0]).to.match(/^evt_[0-9a-z]+_[0-9a-z]+$/);
    expect(ids[0]).to.not.equal(ids[1]);
    expect(ids[2]).to.equal('mine');
    expect(socket.sent.map((s) => JSON.parse(s))).to.deep.equal([
      { type: 'response.create', event_id: ids[0] },
      { type: 'input_audio_buffer.commit', event_id: ids[1] },
      { type: 'response.cancel', event_id: 'mine' },
    ]);
    // two transports do not share id sequences
    const other = await openTransport();
    expect(other.t.send({ type: 'response.create' })).to.not.equal(ids[0]);
  });

  it('send does not mutate the event it is given', async () => {
    const { t } = await openTransport();
    const event = { type: 'conversation.item.truncate' as const, item_id: 'i', content_index: 0, audio_end_ms: 10 };
    t.send(event);
    expect(event).to.deep.equal({ type: 'conversation.item.truncate', item_id: 'i', content_index: 0, audio_end_ms: 10 });
  });

  it('appendAudio builds the append frame as a string: valid JSON, bytes exact', async () => {
    const { t, socket } = await openTransport();
    const pcm = new Int16Array([0, 1, -1, 32767, -32768, 12345, -12345]);
    const id = t.appendAudio(pcm.buffer);
    const frame = socket.sent[0]!;
    const parsed = JSON.parse(frame) as { type: string; event_id: string; audio: string };
    expect(parsed.type).to.equal('input_audio_buffer.append');
    expect(parsed.event_id).to.equal(id);
    expect(Array.from(new Int16Array(decodeBase64(parsed.audio)!))).to.deep.equal(Array.from(pcm));
    expect(frame).to.equal(JSON.stringify(parsed)); // byte-identical to what JSON.stringify would send
    const odd = t.appendAudio(new Uint8Array([1, 2, 3]));
    expect(odd).to.not.equal(id);
    expect(JSON.parse(socket.sent[1]!).audio).to.equal('AQID');
  });

  it('send/appendAudio before open or after close throw invalid_state', async () => {
    const t = new WebSocketTransport({ WebSocket: Fake });
    expect(() => t.send({ type: 'response.create' })).to.throw(TransportError).with.property('code', 'invalid_state');
    const connecting = t.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN }, recorder().handlers);
    expect(() => t.appendAudio(new ArrayBuffer(2))).to.throw(TransportError).with.property('code', 'invalid_state');
    lastSocket().open();
    await connecting;
    lastSocket().closed(1001, 'Your session hit the maximum duration of 60 minutes.');
    expect(() => t.send({ type: 'response.create' })).to.throw(TransportError).with.property('code', 'invalid_state');
  });

  it('server close surfaces code and reason, initiatedByClient false', async () => {
    const { t, rec, socket } = await openTransport();
    socket.closed(1001, 'Your session hit the maximum duration of 60 minutes.');
    expect(rec.closes).to.deep.equal([{ code: 1001, reason: 'Your session hit the maximum duration of 60 minutes.', initiatedByClient: false }]);
    expect(t.status).to.equal('closed');
    expect(rec.statuses).to.deep.equal(['connecting', 'open', 'closed']);
  });

  it('client close: closing, then closed with initiatedByClient true; codes a browser refuses become 1000, long reasons are cut', async () => {
    const { t, rec, socket } = await openTransport();
    t.close(1006, 'x'.repeat(300));
    expect(t.status).to.equal('closing');
    expect(socket.closeCalls[0]![0]).to.equal(1000);
    expect(new TextEncoder().encode(socket.closeCalls[0]![1]).length).to.be.at.most(123);
    t.close(); // second call is a no-op, never throws
    expect(socket.closeCalls).to.have.length(1);
    socket.closed(1000, 'bye');
    expect(rec.closes).to.deep.equal([{ code: 1000, reason: 'bye', initiatedByClient: true }]);
    expect(rec.statuses).to.deep.equal(['connecting', 'open', 'closing', 'closed']);
    const second = await openTransport();
    second.t.close(4000, 'é'.repeat(100));
    expect(second.socket.closeCalls[0]![0]).to.equal(4000);
    expect(new TextEncoder().encode(second.socket.closeCalls[0]![1]).length).to.be.at.most(123);
  });

  it('refuses a second connect while one is open, allows a new one after close', async () => {
    const { t, socket } = await openTransport();
    expect((await rejection(t.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN }, recorder().handlers))).code).to.equal('invalid_state');
    socket.closed(1000);
    const again = t.connect({ url: 'wss://h/rt', model: 'm', token: TOKEN }, recorder().handlers);
    lastSocket().open();
    await again;
    expect(t.status).to.equal('open');
  });

  it('reports the socket bufferedAmount (0 with no socket)', async () => {
    expect(new WebSocketTransport({ WebSocket: Fake }).bufferedAmount).to.equal(0);
    const { t, socket } = await openTransport();
    socket.bufferedAmount = 4096;
    expect(t.bufferedAmount).to.equal(4096);
  });
});

describe('WebSocketTransport (Chromium WebSocket)', () => {
  it('uses globalThis.WebSocket by default; a refused connection rejects connect_failed (1006)', async () => {
    const t = new WebSocketTransport();
    const rec = recorder();
    const e = await rejection(t.connect({ url: 'ws://127.0.0.1:9/v1/realtime', model: 'm', token: TOKEN, timeoutMs: 10_000 }, rec.handlers));
    expect(e.code).to.equal('connect_failed');
    expect(e.close?.code).to.equal(1006);
    expect(e.message).to.not.contain(TOKEN);
    expect(t.status).to.equal('closed');
  });
});

interface HarnessConfig {
  url: string | null;
  httpUrl: string | null;
  tokenUrl: string;
}

describe('WebSocketTransport against the local Realtime server', function () {
  let config: HarnessConfig;
  let token: string;

  before(async function () {
    const mod = (await import(/* @vite-ignore */ '/__rv/config.js' as string)) as { default: HarnessConfig };
    config = mod.default;
    if (!config.url) this.skip();
    const minted = (await executeServerCommand('rv-sim', { op: 'mint' })) as { value?: string } | string | null;
    token = typeof minted === 'string' ? minted : (minted?.value ?? '');
    expect(token).to.match(/^ek_/);
  });

  async function connect() {
    const t = new WebSocketTransport();
    const rec = recorder();
    await t.connect({ url: config.url!, model: 'gpt-realtime', token }, rec.handlers);
    return { t, rec };
  }
  const until = async (check: () => boolean, ms = 5000) => {
    const end = performance.now() + ms;
    while (!check()) {
      if (performance.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const events = (rec: ReturnType<typeof recorder>) => rec.messages.map((m) => (m.ok ? m.event.type : `!${m.error.code}`));

  it('connects with a minted key and receives a valid session.created', async () => {
    const { t, rec } = await connect();
    await until(() => rec.messages.length > 0);
    const first = rec.messages[0]!;
    expect(first.ok, JSON.stringify(first)).to.equal(true);
    expect(first.ok && first.event.type).to.equal('session.created');
    t.close();
    await until(() => rec.closes.length > 0);
    expect(rec.closes[0]!.initiatedByClient).to.equal(true);
    expect(rec.closes[0]!.code).to.equal(1000);
  });

  it('session.update → session.updated; appends and commit are accepted; every server frame parses', async () => {
    const { t, rec } = await connect();
    await until(() => events(rec).includes('session.created'));
    t.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null }, output: { voice: 'marin' } },
      },
    });
    await until(() => events(rec).includes('session.updated'));
    const silence = new ArrayBuffer(960 * 2);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(t.appendAudio(silence)); // 200 ms
    ids.push(t.send({ type: 'input_audio_buffer.commit' }));
    await until(() => events(rec).includes('input_audio_buffer.committed') || events(rec).includes('error'));
    expect(events(rec)).to.include('input_audio_buffer.committed');
    expect(events(rec).filter((e) => e.startsWith('!'))).to.deep.equal([]);
    // the server saw our frames, in order, with the ids the transport returned
    const created = rec.messages[0]!;
    const sessionId = created.ok && created.event.known && created.event.type === 'session.created' ? created.event.session.id : undefined;
    const received = (await executeServerCommand('rv-sim', { op: 'events', sessionId })) as { type: string; event_id?: string }[];
    const tail = received.filter((e) => e.type.startsWith('input_audio_buffer.')).map((e) => e.event_id);
    expect(tail).to.deep.equal(ids);
    // and everything the server sent parses as a known GA event
    const sent = (await executeServerCommand('rv-sim', { op: 'sent', sessionId })) as unknown[];
    expect(sent.length).to.be.greaterThan(2);
    for (const frame of sent) {
      const result = parseServerEvent(JSON.stringify(frame));
      expect(result.ok && result.event.known, JSON.stringify(frame).slice(0, 200)).to.equal(true);
    }
    t.close();
    await until(() => t.status === 'closed');
  });

  it('a text turn streams audio deltas that decode to PCM16, then response.done', async () => {
    const { t, rec } = await connect();
    await until(() => events(rec).includes('session.created'));
    t.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Where is my order?' }] } });
    t.send({ type: 'response.create' });
    await until(() => events(rec).includes('response.done'), 15_000);
    expect(events(rec).filter((e) => e.startsWith('!'))).to.deep.equal([]);
    let bytes = 0;
    for (const m of rec.messages) {
      if (!m.ok || !m.event.known || m.event.type !== 'response.output_audio.delta') continue;
      const pcm = decodeBase64(m.event.delta);
      expect(pcm).to.be.instanceOf(ArrayBuffer);
      expect(pcm!.byteLength % 2).to.equal(0);
      bytes += pcm!.byteLength;
    }
    expect(bytes).to.be.greaterThan(0);
    t.close();
    await until(() => t.status === 'closed');
  });

  it('a bad key is refused by the server without the key in what the transport reports', async () => {
    const t = new WebSocketTransport();
    const rec = recorder();
    const bad = 'ek_not_a_real_key_0000';
    try {
      await t.connect({ url: config.url!, model: 'gpt-realtime', token: bad }, rec.handlers);
      await until(() => t.status === 'closed' || rec.messages.some((m) => m.ok && m.event.type === 'error'));
    } catch (e) {
      expect(e).to.be.instanceOf(TransportError);
      expect(String((e as Error).message)).to.not.contain(bad);
    }
    expect(JSON.stringify(rec.closes)).to.not.contain(bad);
    t.close();
  });
});
