// The session test harness shared by session-realtime and session-edges: a RealtimeSession over
// the protocol layer's ScriptedTransport and a fake AudioPort, a log of every callback, scripted
// server events, and a small JSON Schema checker. `useSessionHarness()` installs the hooks that
// stop every session after each test and check each frame it sent against the GA schema.
import { expect } from '@open-wc/testing';
import { encodeBase64 } from '../../src/protocol/base64.js';
import type { ServerEvent } from '../../src/protocol/events.js';
import { basicReplies, ScriptedTransport, type ScriptedReplies, type ScriptedTransportOptions } from '../../src/protocol/scripted-transport.js';
import { fakeAudioEngine, type FakeAudioPort, type FakeAudioPortOptions } from '../../src/session/fake-audio-port.js';
import { RealtimeSession, type SessionDeps } from '../../src/session/session.js';
import type { RealtimeVoiceError, SessionCallbacks, SessionConfig, SessionStatus, ToolCallRequest, TranscriptUpdate } from '../../src/session/types.js';

// ── a small JSON Schema checker (the keywords the GA schema uses) ──────────────────────────────

type Json = Record<string, unknown>;
let schemaRoot: Json | null = null;
let schemaTried = false;

async function loadSchema(): Promise<Json | null> {
  if (schemaTried) return schemaRoot;
  schemaTried = true;
  for (const url of ['/test/fixtures/openai-realtime-ga.schema.json', '/__wds-outside-root__/1/shared/spec/openai-realtime-ga.schema.json']) {
    try {
      const response = await fetch(url);
      if (response.ok) {
        schemaRoot = (await response.json()) as Json;
        return schemaRoot;
      }
    } catch {
      /* try the next place */
    }
  }
  return null;
}

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function check(schema: unknown, value: unknown, path: string, errors: string[]): void {
  if (schema === true || schema === undefined) return;
  if (schema === false) {
    errors.push(`${path}: not allowed`);
    return;
  }
  const s = schema as Json;
  if (typeof s['$ref'] === 'string') {
    const target = (s['$ref'] as string).replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Json)[key], schemaRoot);
    check(target, value, path, errors);
  }
  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (!types.some((t) => typeOk(t, value))) {
      errors.push(`${path}: expected ${types.join('|')}, got ${JSON.stringify(value)}`);
      return;
    }
  }
  if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(s['enum'])}`);
  }
  if ('const' in s && JSON.stringify(s['const']) !== JSON.stringify(value)) errors.push(`${path}: expected ${JSON.stringify(s['const'])}`);
  if (typeof value === 'number') {
    if (typeof s['minimum'] === 'number' && value < s['minimum']) errors.push(`${path}: below minimum`);
    if (typeof s['maximum'] === 'number' && value > s['maximum']) errors.push(`${path}: above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof s['maxLength'] === 'number' && value.length > s['maxLength']) errors.push(`${path}: longer than ${s['maxLength']}`);
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern']).test(value)) errors.push(`${path}: does not match ${s['pattern']}`);
  }
  if (Array.isArray(value)) {
    if (typeof s['minItems'] === 'number' && value.length < s['minItems']) errors.push(`${path}: fewer than ${s['minItems']} items`);
    if (s['items'] !== undefined) value.forEach((v, i) => check(s['items'], v, `${path}[${i}]`, errors));
  }
  if (typeOk('object', value)) {
    const obj = value as Json;
    const props = (s['properties'] ?? {}) as Json;
    for (const key of (s['required'] ?? []) as string[]) if (!(key in obj)) errors.push(`${path}: missing ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      if (key in props) check(props[key], v, `${path}.${key}`, errors);
      else if (s['additionalProperties'] !== undefined && s['additionalProperties'] !== true) {
        check(s['additionalProperties'], v, `${path}.${key}`, errors);
      }
    }
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[keyword])) continue;
    const matches = (s[keyword] as unknown[]).filter((sub) => {
      const e: string[] = [];
      check(sub, value, path, e);
      return e.length === 0;
    }).length;
    if (keyword === 'anyOf' ? matches === 0 : matches !== 1) errors.push(`${path}: ${matches} of ${keyword} match`);
  }
}

export function schemaErrors(defName: string, value: unknown): string[] {
  const errors: string[] = [];
  if (schemaRoot) check({ $ref: `#/$defs/${defName}` }, value, '$', errors);
  return errors;
}

// ── harness ──────────────────────────────────────────────────────────────────────────────────

export const SECRET = 'ek_test_SECRETsecret0123456789';
export const nowS = () => Math.floor(Date.now() / 1000);

export const BASE: SessionConfig = {
  getToken: async () => ({ value: SECRET, expires_at: nowS() + 600 }),
  url: 'wss://realtime.invalid/v1/realtime',
  model: 'gpt-realtime',
  voice: 'marin',
  turnDetection: 'server_vad',
  transcriptionModel: 'gpt-4o-mini-transcribe',
  pushToTalk: false,
  muted: false,
  reconnectAttempts: 3,
  debug: false,
  tools: [],
};

interface Log {
  statuses: SessionStatus[];
  errors: RealtimeVoiceError[];
  transcripts: TranscriptUpdate[];
  interrupted: { itemId: string; audioEndMs: number }[];
  connected: { sessionId: string; model: string }[];
  disconnected: { code: number; reason: string; willReconnect: boolean }[];
  toolCalls: ToolCallRequest[];
  blocked: boolean[];
  serverEvents: ServerEvent[];
  levels: number;
}

interface SetupOptions {
  audio?: FakeAudioPortOptions | false;
  replies?: ScriptedReplies;
  transport?: ScriptedTransportOptions;
  deps?: Partial<SessionDeps>;
  /** Called on each new transport before the session connects it. */
  onTransport?: (t: ScriptedTransport, index: number) => void;
}

export interface Harness {
  session: RealtimeSession;
  transports: ScriptedTransport[];
  ports: FakeAudioPort[];
  log: Log;
  toolCall: (request: ToolCallRequest) => Promise<unknown> | undefined;
  /** The latest transport. */
  readonly t: ScriptedTransport;
  /** The latest audio port. */
  readonly port: FakeAudioPort;
}

const harnesses: Harness[] = [];

export function setup(config: Partial<SessionConfig> = {}, options: SetupOptions = {}): Harness {
  const transports: ScriptedTransport[] = [];
  const audio = fakeAudioEngine(options.audio === false ? {} : options.audio);
  const log: Log = {
    statuses: [],
    errors: [],
    transcripts: [],
    interrupted: [],
    connected: [],
    disconnected: [],
    toolCalls: [],
    blocked: [],
    serverEvents: [],
    levels: 0,
  };
  const harness: Harness = {
    session: undefined as unknown as RealtimeSession,
    transports,
    ports: audio.ports,
    log,
    toolCall: () => undefined,
    get t() {
      return transports[transports.length - 1]!;
    },
    get port() {
      return audio.ports[audio.ports.length - 1]!;
    },
  };
  const callbacks: SessionCallbacks = {
    status: (status) => log.statuses.push(status),
    connected: (info) => log.connected.push(info),
    disconnected: (info) => log.disconnected.push(info),
    transcript: (update) => log.transcripts.push(update),
    toolCall: (request) => {
      log.toolCalls.push(request);
      return harness.toolCall(request);
    },
    interrupted: (info) => log.interrupted.push(info),
    error: (error) => log.errors.push(error),
    serverEvent: (event) => log.serverEvents.push(event),
    level: () => log.levels++,
    audioBlocked: (blocked) => log.blocked.push(blocked),
  };
  const deps: SessionDeps = {
    transport: () => {
      const t = new ScriptedTransport({ replies: { ...basicReplies, ...options.replies }, ...options.transport });
      transports.push(t);
      options.onTransport?.(t, transports.length - 1);
      return t;
    },
    backoff: { baseMs: 2, maxMs: 16 },
    random: () => 0.5,
    ...options.deps,
  };
  deps.audio = options.audio === false ? null : audio.factory;
  harness.session = new RealtimeSession({ ...BASE, ...config }, callbacks, deps);
  harnesses.push(harness);
  return harness;
}

export async function started(config: Partial<SessionConfig> = {}, options: SetupOptions = {}): Promise<Harness> {
  const h = setup(config, options);
  await h.session.start();
  expect(h.session.status, 'connected').to.equal('listening');
  await h.t.waitForSent('session.update');
  return h;
}

export const tick = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Lets the scripted server's replies (a task each) and the session's microtasks run. */
export const settle = async () => {
  for (let i = 0; i < 4; i++) await tick();
};

export const sentTypes = (t: ScriptedTransport) => t.sent.filter((e) => e.type !== 'input_audio_buffer.append').map((e) => e.type);
export const pcm = (ms: number) => encodeBase64(new Uint8Array(ms * 48));

// Server script helpers (the GA event sequence of a spoken reply).
export const S = {
  responseCreated: (t: ScriptedTransport, id: string) =>
    t.emit({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', output: [] } }),
  itemAdded: (t: ScriptedTransport, resp: string, item: string) =>
    t.emit({
      type: 'response.output_item.added',
      response_id: resp,
      output_index: 0,
      item: { id: item, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    }),
  audio: (t: ScriptedTransport, resp: string, item: string, ms: number) =>
    t.emit({ type: 'response.output_audio.delta', response_id: resp, item_id: item, output_index: 0, content_index: 0, delta: pcm(ms) }),
  transcript: (t: ScriptedTransport, resp: string, item: string, delta: string) =>
    t.emit({ type: 'response.output_audio_transcript.delta', response_id: resp, item_id: item, output_index: 0, content_index: 0, delta }),
  transcriptDone: (t: ScriptedTransport, resp: string, item: string, transcript: string) =>
    t.emit({ type: 'response.output_audio_transcript.done', response_id: resp, item_id: item, output_index: 0, content_index: 0, transcript }),
  itemDone: (t: ScriptedTransport, resp: string, item: string, transcript: string, status = 'completed') =>
    t.emit({
      type: 'response.output_item.done',
      response_id: resp,
      output_index: 0,
      item: { id: item, object: 'realtime.item', type: 'message', role: 'assistant', status, content: [{ type: 'output_audio', transcript }] },
    }),
  responseDone: (t: ScriptedTransport, id: string, status = 'completed', output: unknown[] = [], reason?: string) =>
    t.emit({
      type: 'response.done',
      response: { id, object: 'realtime.response', status, status_details: reason ? { type: status, reason } : null, output },
    }),
  /** A whole spoken reply: `chunks` audio deltas of `ms` each, and its transcript. */
  reply(t: ScriptedTransport, resp: string, item: string, text: string, chunks = [200, 200], done = true) {
    S.responseCreated(t, resp);
    S.itemAdded(t, resp, item);
    for (const ms of chunks) S.audio(t, resp, item, ms);
    S.transcript(t, resp, item, text);
    if (!done) return;
    t.emit({ type: 'response.output_audio.done', response_id: resp, item_id: item, output_index: 0, content_index: 0 });
    S.transcriptDone(t, resp, item, text);
    S.itemDone(t, resp, item, text);
    S.responseDone(t, resp, 'completed', [
      { id: item, object: 'realtime.item', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript: text }] },
    ]);
  },
  audioDone: (t: ScriptedTransport, resp: string, item: string) =>
    t.emit({ type: 'response.output_audio.done', response_id: resp, item_id: item, output_index: 0, content_index: 0 }),
  /** The server refuses the client event `eventId` with `code`. */
  refused: (t: ScriptedTransport, eventId: string | undefined, code: string) =>
    t.emit({ type: 'error', error: { type: 'invalid_request_error', code, message: code, param: null, event_id: eventId } }),
  userTurn(t: ScriptedTransport, item: string, transcript: string) {
    t.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 100, item_id: item });
    t.emit({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: 900, item_id: item });
    t.emit({ type: 'input_audio_buffer.committed', item_id: item, previous_item_id: null });
    t.emit({
      type: 'conversation.item.added',
      item: { id: item, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] },
    });
    t.emit({ type: 'conversation.item.input_audio_transcription.completed', item_id: item, content_index: 0, transcript });
  },
};

/** Whether the GA schema loaded (the frame checks are skipped without it). */
export const schemaAvailable = () => schemaRoot !== null;

/** Installs the hooks: load the schema once; after each test stop every session and check its frames. */
export function useSessionHarness(): void {
  before(async () => {
    await loadSchema();
  });

  afterEach(async () => {
    const all = harnesses.splice(0);
    for (const h of all) await h.session.stop();
    // Every frame the widget sent in this test is a valid GA client event.
    if (!schemaRoot) return;
    for (const h of all) {
      for (const t of h.transports) {
        for (const event of t.sent) {
          const errors = schemaErrors('RealtimeClientEvent', event);
          expect(errors, `${event.type} is not a valid GA client event:\n${errors.slice(0, 8).join('\n')}`).to.deep.equal([]);
        }
      }
    }
  });
}
