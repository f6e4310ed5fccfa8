// A seeded generator of hostile Realtime *server* frames, for fuzzing the widget through a real
// socket (test/wtr-hardening.mjs injects them; test/browser/hardening-fuzz.test.ts checks the
// element survives). The same seed always yields the same frames, so a failure is replayed with
// `RV_FUZZ_SEED=<seed>`.
//
// Kinds of frames: valid events of every GA type with ids from small pools (so they collide,
// repeat and arrive out of order), whole response sequences shuffled and with duplicates, valid
// events with a field removed or retyped (top level and nested), random JSON values, text that
// is not JSON, huge strings, invalid base64 audio, deltas for unknown items, binary frames,
// prototype-pollution keys, and replays of earlier frames. Text fields carry HTML/script
// payloads, so the same run checks that nothing the server says becomes markup.
//
//   node scripts/fuzz-events.mjs [seed] [count]   prints a summary and the first frames

/** @typedef {{data: string | Buffer, binary: boolean, kind: string}} FuzzFrame */

/**
 * mulberry32: a tiny, fast, seedable PRNG (uniform in [0, 1)).
 * @param {number} seed
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh random seed (printed by whoever uses it, so any run can be replayed). */
export const randomSeed = () => Math.floor(Math.random() * 2 ** 31);

/** Payloads that must stay text wherever the widget shows them. `__rvPwned` is what they set. */
export const HTML_PAYLOADS = [
  '<img src=x onerror="window.__rvPwned=(window.__rvPwned||0)+1">',
  '<script>window.__rvPwned=(window.__rvPwned||0)+1</script>',
  '"><svg onload="window.__rvPwned=1"></svg>',
  '<iframe srcdoc="<script>parent.__rvPwned=1</script>"></iframe>',
  '<a href="javascript:window.__rvPwned=1">click</a>',
  '{{constructor.constructor("window.__rvPwned=1")()}}',
  '${window.__rvPwned=1}',
  '<style>*{display:none}</style><b>bold?</b>',
  '<!-- <rv-evil> -->&lt;b&gt;&amp;',
];

const TEXTS = [
  ...HTML_PAYLOADS,
  'hello',
  '',
  ' ',
  'Ünïcödé ✓ 🎧👩🏽‍💻',
  'مرحبا بالعالم',
  'zero\u200bwidth\u200d',
  'nul\u0000char',
  'lone \ud800 surrogate',
  'line\nbreak\r\ttab',
  '\\u0000 escaped',
];

/** Every GA server event type (PROTOCOL.md §3) plus the beta aliases and a few unknown ones. */
export const EVENT_TYPES = [
  'error',
  'session.created',
  'session.updated',
  'conversation.created',
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.created',
  'conversation.item.retrieved',
  'conversation.item.deleted',
  'conversation.item.truncated',
  'conversation.item.input_audio_transcription.delta',
  'conversation.item.input_audio_transcription.completed',
  'conversation.item.input_audio_transcription.failed',
  'conversation.item.input_audio_transcription.segment',
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.committed',
  'input_audio_buffer.cleared',
  'input_audio_buffer.timeout_triggered',
  'response.created',
  'response.done',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_audio.delta',
  'response.output_audio.done',
  'response.output_audio_transcript.delta',
  'response.output_audio_transcript.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.audio.delta',
  'response.audio.done',
  'response.audio_transcript.delta',
  'response.audio_transcript.done',
  'response.text.delta',
  'response.text.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'rate_limits.updated',
  'output_audio_buffer.started',
  'output_audio_buffer.stopped',
  'output_audio_buffer.cleared',
  'response.mcp_call.in_progress',
  'mcp_list_tools.completed',
  'x.unknown.event',
  'transcription_session.updated',
];

/**
 * Error codes the fuzzer puts in `error` events. `session_expired` is left out on purpose: it
 * is OpenAI's announcement that the session ends now (the widget then treats the next close
 * as the end, by design), not garbage to survive.
 */
const ERROR_CODES = [null, 'invalid_value', 'unknown_parameter', 'response_cancel_not_active', 'conversation_already_has_active_response', 'rate_limit_exceeded', 'server_error', '<b>code</b>'];

/**
 * @param {number} seed
 * @param {{hugeBytes?: number, giantFrame?: boolean}} [options] `hugeBytes`: size of the huge
 *   strings (default 1 MiB); `giantFrame`: emit one frame over the widget's 16 MiB frame limit
 */
export function createServerEventFuzzer(seed, options = {}) {
  const rand = mulberry32(seed);
  const hugeBytes = options.hugeBytes ?? 1024 * 1024;
  let giantLeft = options.giantFrame ? 1 : 0;
  /** @type {FuzzFrame[]} */
  const queue = [];
  /** @type {FuzzFrame[]} */
  const recent = [];
  let serial = 0;

  const int = (/** @type {number} */ n) => Math.floor(rand() * n);
  const chance = (/** @type {number} */ p) => rand() < p;
  /** @template T @param {readonly T[]} list @returns {T} */
  const pick = (list) => /** @type {T} */ (list[int(list.length)]);
  const text = () => (chance(0.1) ? pick(TEXTS) + pick(TEXTS) : pick(TEXTS));
  // Small id pools: responses, items and calls collide across events, as duplicates would.
  const respId = () => (chance(0.9) ? `resp_fz${int(6)}` : `resp_${pick(TEXTS)}`);
  const itemId = () => (chance(0.9) ? `item_fz${int(12)}` : chance(0.5) ? `item_new${serial++}` : pick(TEXTS));
  const callId = () => `call_fz${int(4)}`;
  const ms = () => (chance(0.9) ? int(60_000) : pick([-1, 0, 1e15, 0.5, Number.MAX_SAFE_INTEGER]));

  /** Valid base64 of `bytes` quiet PCM16 bytes (near silence, so a run is not loud). @param {number} bytes */
  function pcmBase64(bytes) {
    const buf = Buffer.alloc(bytes - (bytes % 2));
    for (let i = 0; i < buf.length; i += 2) buf.writeInt16LE(int(64) - 32, i);
    return buf.toString('base64');
  }

  const INVALID_BASE64 = ['!!!!', 'abc', 'a===', '====', 'AA=A', 'data:audio/pcm;base64,AAAA', 'AAAA AAAA', 'AAA-_AAA', '\u00ff\u00fe', 'AAAA\n', '%%%%%%%%'];

  const part = () => pick([{ type: 'text', text: text() }, { type: 'output_text', text: text() }, { type: 'audio', transcript: text() }, { type: 'output_audio', transcript: null }, { type: 'input_text', text: text() }, { type: 'input_audio', transcript: text() }]);
  const item = () => {
    const type = pick(['message', 'message', 'message', 'function_call', 'function_call_output']);
    if (type === 'function_call') return { id: itemId(), object: 'realtime.item', type, status: pick(['completed', 'in_progress', 'incomplete']), call_id: callId(), name: pick(['lookup_order', 'missing_tool', '<b>x</b>', '__proto__']), arguments: pick(['{}', '{"order_id":"123"}', '{bad json', '', '[1,2]', JSON.stringify({ html: pick(HTML_PAYLOADS) })]) };
    if (type === 'function_call_output') return { id: itemId(), object: 'realtime.item', type, call_id: callId(), output: text() };
    return { id: itemId(), object: 'realtime.item', type, status: pick(['completed', 'in_progress', 'incomplete']), role: pick(['user', 'assistant', 'system', 'tool', '<i>r</i>']), content: Array.from({ length: int(3) }, part) };
  };
  const response = (status = pick(['in_progress', 'completed', 'cancelled', 'failed', 'incomplete'])) => ({
    object: 'realtime.response',
    id: respId(),
    status,
    status_details: chance(0.5) ? null : { type: status, reason: pick(['turn_detected', 'client_cancelled', 'max_output_tokens', 'content_filter']), error: chance(0.3) ? { type: 'server_error', code: pick(HTML_PAYLOADS) } : undefined },
    output: chance(0.5) ? [] : Array.from({ length: 1 + int(2) }, item),
    usage: chance(0.5) ? null : { total_tokens: int(100) },
  });
  const partRef = () => ({ response_id: respId(), item_id: itemId(), output_index: int(3), content_index: int(2) });

  /**
   * A well-formed event of `type` (fields as the GA schema has them).
   * @param {string} type
   * @returns {Record<string, any>}
   */
  function valid(type) {
    switch (type) {
      case 'error':
        return { type, error: { type: pick(['invalid_request_error', 'server_error']), code: pick(ERROR_CODES), message: text(), param: chance(0.5) ? null : 'x', event_id: chance(0.5) ? null : `evt_${int(100)}` } };
      case 'session.created':
      case 'session.updated':
      case 'transcription_session.updated':
        return { type, session: { id: pick(['sess_fuzz', pick(TEXTS)]), model: pick(['gpt-realtime', pick(HTML_PAYLOADS)]), expires_at: int(2e9), object: 'realtime.session', type: 'realtime' } };
      case 'conversation.created':
        return { type, conversation: { id: 'conv_fz', object: 'realtime.conversation' } };
      case 'conversation.item.added':
      case 'conversation.item.done':
      case 'conversation.item.created':
        return { type, previous_item_id: chance(0.5) ? null : itemId(), item: item() };
      case 'conversation.item.retrieved':
        return { type, item: item() };
      case 'conversation.item.deleted':
        return { type, item_id: itemId() };
      case 'conversation.item.truncated':
        return { type, item_id: itemId(), content_index: 0, audio_end_ms: ms() };
      case 'conversation.item.input_audio_transcription.delta':
        return { type, item_id: itemId(), content_index: 0, delta: text() };
      case 'conversation.item.input_audio_transcription.completed':
        return { type, item_id: itemId(), content_index: 0, transcript: text() };
      case 'conversation.item.input_audio_transcription.failed':
        return { type, item_id: itemId(), content_index: 0, error: { type: 'transcription_error', code: 'audio_unintelligible', message: text() } };
      case 'conversation.item.input_audio_transcription.segment':
        return { type, item_id: itemId(), content_index: 0, text: text(), id: 'seg', speaker: 'A', start: 0, end: 1 };
      case 'input_audio_buffer.speech_started':
        return { type, audio_start_ms: ms(), item_id: itemId() };
      case 'input_audio_buffer.speech_stopped':
        return { type, audio_end_ms: ms(), item_id: itemId() };
      case 'input_audio_buffer.committed':
        return { type, previous_item_id: null, item_id: itemId() };
      case 'input_audio_buffer.cleared':
        return { type };
      case 'input_audio_buffer.timeout_triggered':
        return { type, audio_start_ms: ms(), audio_end_ms: ms(), item_id: itemId() };
      case 'response.created':
        return { type, response: response('in_progress') };
      case 'response.done':
        return { type, response: response() };
      case 'response.output_item.added':
      case 'response.output_item.done':
        return { type, response_id: respId(), output_index: int(3), item: item() };
      case 'response.content_part.added':
      case 'response.content_part.done':
        return { type, ...partRef(), part: part() };
      case 'response.output_audio.delta':
      case 'response.audio.delta':
        return { type, ...partRef(), delta: pcmBase64(2 * (1 + int(480))) };
      case 'response.output_audio.done':
      case 'response.audio.done':
        return { type, ...partRef() };
      case 'response.output_audio_transcript.delta':
      case 'response.audio_transcript.delta':
      case 'response.output_text.delta':
      case 'response.text.delta':
        return { type, ...partRef(), delta: text() };
      case 'response.output_audio_transcript.done':
      case 'response.audio_transcript.done':
        return { type, ...partRef(), transcript: text() };
      case 'response.output_text.done':
      case 'response.text.done':
        return { type, ...partRef(), text: text() };
      case 'response.function_call_arguments.delta':
        return { type, response_id: respId(), item_id: itemId(), output_index: 0, call_id: callId(), delta: text() };
      case 'response.function_call_arguments.done':
        return { type, response_id: respId(), item_id: itemId(), output_index: 0, call_id: callId(), name: pick(['lookup_order', 'missing_tool', '<b>x</b>', '__proto__', undefined]), arguments: pick(['{}', '{"order_id":"123"}', '{bad json', '', 'null', JSON.stringify({ html: pick(HTML_PAYLOADS) })]) };
      case 'rate_limits.updated':
        return { type, rate_limits: [{ name: 'requests', limit: 100, remaining: int(100), reset_seconds: rand() * 60 }] };
      case 'output_audio_buffer.started':
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        return { type, response_id: respId() };
      case 'response.mcp_call.in_progress':
        return { type, output_index: 0, item_id: itemId() };
      case 'mcp_list_tools.completed':
        return { type, item_id: itemId() };
      default:
        return { type, payload: text(), n: int(10) };
    }
  }

  /**
   * A value of any JSON type, up to `depth` levels deep.
   * @param {number} [depth]
   * @returns {unknown}
   */
  function randomJson(depth = 4) {
    const k = int(depth > 0 ? 8 : 5);
    switch (k) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1e308, -1e-308, 2 ** 53, 3.14, 1e21]);
      case 3:
        return text();
      case 4:
        return pick(EVENT_TYPES);
      case 5:
      case 6: {
        /** @type {Record<string, unknown>} */
        const obj = {};
        for (let i = int(5); i > 0; i--) obj[pick(['type', 'event_id', 'response', 'item', 'delta', 'item_id', 'response_id', 'error', 'session', 'x', '__proto__', 'constructor'])] = randomJson(depth - 1);
        return obj;
      }
      default:
        return Array.from({ length: int(4) }, () => randomJson(depth - 1));
    }
  }

  /** Removes one field (maybe nested) of `event`. @param {Record<string, any>} event */
  function removeField(event) {
    const target = chance(0.6) ? event : Object.values(event).find((v) => v && typeof v === 'object' && !Array.isArray(v)) ?? event;
    const keys = Object.keys(target);
    if (keys.length) delete target[pick(keys)];
    return event;
  }

  /** Replaces one field (maybe nested) of `event` with a value of another type. @param {Record<string, any>} event */
  function retypeField(event) {
    const target = chance(0.6) ? event : Object.values(event).find((v) => v && typeof v === 'object' && !Array.isArray(v)) ?? event;
    const keys = Object.keys(target);
    if (keys.length) target[pick(keys)] = pick([null, 0, -1, NaN, Number.MAX_VALUE, '', 'str', true, [], {}, [1, 'a'], { nested: { deep: [] } }, pick(HTML_PAYLOADS)]);
    return event;
  }

  /** Frames of one response, possibly shuffled and with duplicates. */
  function sequence() {
    const responseId = respId();
    const id = itemId();
    const audio = chance(0.5);
    const ref = { response_id: responseId, item_id: id, output_index: 0, content_index: 0 };
    const msg = { id, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    const words = Array.from({ length: 1 + int(5) }, text);
    /** @type {Record<string, unknown>[]} */
    const events = [
      { type: 'response.created', response: { object: 'realtime.response', id: responseId, status: 'in_progress', output: [] } },
      { type: 'response.output_item.added', response_id: responseId, output_index: 0, item: msg },
      { type: 'response.content_part.added', ...ref, part: { type: audio ? 'audio' : 'text' } },
    ];
    for (const w of words) {
      if (audio) events.push({ type: 'response.output_audio.delta', ...ref, delta: chance(0.85) ? pcmBase64(96 + 2 * int(480)) : pick(INVALID_BASE64) });
      events.push({ type: audio ? 'response.output_audio_transcript.delta' : 'response.output_text.delta', ...ref, delta: w });
    }
    if (audio) events.push({ type: 'response.output_audio.done', ...ref });
    events.push(
      audio ? { type: 'response.output_audio_transcript.done', ...ref, transcript: words.join('') } : { type: 'response.output_text.done', ...ref, text: words.join('') },
      { type: 'response.output_item.done', response_id: responseId, output_index: 0, item: { ...msg, status: 'completed' } },
      { type: 'response.done', response: { object: 'realtime.response', id: responseId, status: pick(['completed', 'cancelled', 'failed']), output: [{ ...msg, status: 'completed' }] } },
    );
    // Out of order: swap a few neighbours; duplicates: repeat a few events; truncated: drop the tail.
    for (let i = int(4); i > 0; i--) {
      const a = int(events.length);
      const b = Math.min(events.length - 1, a + 1 + int(3));
      [events[a], events[b]] = [/** @type {Record<string, unknown>} */ (events[b]), /** @type {Record<string, unknown>} */ (events[a])];
    }
    for (let i = int(3); i > 0; i--) events.splice(int(events.length), 0, structuredClone(pick(events)));
    if (chance(0.2)) events.length = 1 + int(events.length - 1);
    return events.map((e) => frame(JSON.stringify(e), 'sequence'));
  }

  /** @param {string | Buffer} data @param {string} kind @returns {FuzzFrame} */
  function frame(data, kind, binary = false) {
    return { data, binary, kind };
  }

  /** Builds the next frame(s) into the queue. */
  function produce() {
    const r = rand();
    if (giantLeft > 0 && serial > 20) {
      giantLeft--;
      // One frame over the widget's 16 MiB limit (refused unparsed, as `too_large`).
      const filler = 'A'.repeat(16 * 1024 * 1024 + 16);
      queue.push(frame(`{"type":"response.output_text.delta","response_id":"resp_fz0","item_id":"item_fz0","output_index":0,"content_index":0,"delta":"${filler}"}`, 'giant'));
      return;
    }
    serial++;
    if (r < 0.3) return void queue.push(frame(JSON.stringify(valid(pick(EVENT_TYPES))), 'valid'));
    if (r < 0.33) return void queue.push(...sequence());
    if (r < 0.45) return void queue.push(frame(JSON.stringify(removeField(valid(pick(EVENT_TYPES)))), 'field-removed'));
    if (r < 0.57) return void queue.push(frame(JSON.stringify(retypeField(valid(pick(EVENT_TYPES)))), 'field-retyped'));
    if (r < 0.66) return void queue.push(frame(JSON.stringify(randomJson()), 'random-json'));
    if (r < 0.72) {
      const base = JSON.stringify(valid(pick(EVENT_TYPES)));
      const broken = pick([
        () => base.slice(0, int(base.length)),
        () => base.replace(/"/, "'"),
        () => `${base},`,
        () => `${base}${base}`,
        () => String.fromCharCode(...Array.from({ length: 1 + int(64) }, () => int(256))),
        () => '',
        () => 'undefined',
        () => 'NaN',
        () => '{"type":"response.done","response":{"id":"r","status":"completed"}',
        () => '[' .repeat(5000) + ']'.repeat(5000),
        () => `{"type":"x"${',"a":{'.repeat(3000)}${'}'.repeat(3000)}}`,
      ])();
      return void queue.push(frame(broken, 'not-json'));
    }
    if (r < 0.725) {
      // Huge strings in the fields a widget shows or stores.
      const unit = pick(HTML_PAYLOADS);
      const huge = unit.repeat(Math.ceil(hugeBytes / unit.length)).slice(0, hugeBytes);
      const event = pick([
        { type: 'response.output_text.delta', ...partRef(), delta: huge },
        { type: 'conversation.item.input_audio_transcription.completed', item_id: itemId(), content_index: 0, transcript: huge },
        { type: 'error', error: { type: 'server_error', code: null, message: huge } },
        { type: 'response.function_call_arguments.done', response_id: respId(), item_id: itemId(), output_index: 0, call_id: `call_huge${serial}`, name: 'lookup_order', arguments: JSON.stringify({ q: huge }) },
        { type: huge.slice(0, 100_000) },
        { type: 'response.output_audio.delta', ...partRef(), delta: 'A'.repeat(hugeBytes - (hugeBytes % 4)) },
      ]);
      return void queue.push(frame(JSON.stringify(event), 'huge'));
    }
    if (r < 0.78) return void queue.push(frame(JSON.stringify({ type: pick(['response.output_audio.delta', 'response.audio.delta']), ...partRef(), delta: pick(INVALID_BASE64) }), 'invalid-base64'));
    if (r < 0.83) {
      const type = pick(['response.output_audio.delta', 'response.output_text.delta', 'response.output_audio_transcript.delta', 'conversation.item.input_audio_transcription.delta', 'response.output_text.done', 'response.output_audio.done']);
      const event = valid(type);
      event.item_id = `item_unknown_${serial}`;
      event.response_id = `resp_unknown_${serial}`;
      return void queue.push(frame(JSON.stringify(event), 'unknown-item'));
    }
    if (r < 0.88) {
      const bytes = chance(0.5) ? Buffer.from(JSON.stringify(valid(pick(EVENT_TYPES)))) : Buffer.from(Array.from({ length: int(2048) }, () => int(256)));
      return void queue.push(frame(bytes, 'binary', true));
    }
    if (r < 0.91) {
      const polluted = pick([
        () => `{"type":"__proto__","x":1}`,
        () => `{"type":"constructor"}`,
        () => `{"type":"toString","delta":"x"}`,
        () => `{"type":"hasOwnProperty"}`,
        () => `{"__proto__":{"rvPolluted":true},"type":"response.created","response":{"id":"resp_fz1","status":"in_progress","__proto__":{"rvPolluted":true}}}`,
        () => `{"type":"conversation.item.added","item":{"id":"item_fz1","type":"message","role":"assistant","content":[],"__proto__":{"rvPolluted":true},"constructor":{"prototype":{"rvPolluted":true}}}}`,
        () => `{"type":"response.done","response":{"id":"resp_fz2","status":"completed","output":[{"__proto__":{"id":"x","type":"message"}}]}}`,
      ])();
      return void queue.push(frame(polluted, 'prototype'));
    }
    if (recent.length) return void queue.push({ ...pick(recent), kind: 'duplicate' });
    queue.push(frame(JSON.stringify(valid(pick(EVENT_TYPES))), 'valid'));
  }

  return {
    seed,
    /** @returns {FuzzFrame} */
    next() {
      while (!queue.length) produce();
      const f = /** @type {FuzzFrame} */ (queue.shift());
      if (f.kind !== 'giant' && f.kind !== 'huge') {
        recent.push(f);
        if (recent.length > 50) recent.shift();
      }
      return f;
    },
  };
}

// Run as a script (the module is also imported by browser tests for `mulberry32`, where there is no `process`).
if (typeof process !== 'undefined' && import.meta.url === `file://${process.argv[1]}`) {
  const seed = Number(process.argv[2] ?? randomSeed());
  const count = Number(process.argv[3] ?? 10_000);
  const fuzzer = createServerEventFuzzer(seed, { hugeBytes: 256 * 1024 });
  /** @type {Record<string, number>} */
  const kinds = {};
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const f = fuzzer.next();
    kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    bytes += f.data.length;
    if (i < 5) console.log(f.kind, String(f.data).slice(0, 160));
  }
  console.log(JSON.stringify({ seed, count, bytes, kinds }));
}
