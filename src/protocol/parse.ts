// The edge: the only place where untrusted server frames become typed events. One pass over
// each frame, table-driven so that 46 event types cost a few hundred bytes of bundle, and no
// throw ever escapes (a malformed frame is a value the session can log and ignore).
import type { ParseResult, ProtocolError, ServerEvent } from './events.js';

/** Options of `parseServerEvent`. */
export interface ParseOptions {
  /** Longest text frame accepted, in UTF-16 code units (default 16 MiB). */
  maxLength?: number;
}

/** The default `maxLength`: far above any real event (audio deltas are ≤ ~16 KB). */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;

// Field specs: `name:t` (required) or `name?:t` (may be absent); a type ending in `?` may also
// be null. Types: s string, n number, b boolean, o object, a array, a capital letter = one of the
// nested specs below, `[X]` = array whose every element matches X.
const NESTED: Record<string, string> = {
  // item (conversation items and response output items)
  I: 'id:s type:s object?:s status?:s role?:s content?:[P] call_id?:s name?:s arguments?:s output?:s',
  // content part: `text`/`audio` in some places, `output_text`/`output_audio` in others
  P: 'type:s text?:s audio?:s transcript?:s?',
  // response
  R: 'id:s status:s object?:s status_details?:o? output?:[I] usage?:o?',
  // error detail of the `error` event
  E: 'type:s message:s code?:s? param?:s? event_id?:s?',
  // error detail of a failed input transcription
  F: 'type?:s? code?:s? message?:s? param?:s?',
  // rate limit
  L: 'name:s limit:n remaining:n reset_seconds:n',
  // session config as the server applied it
  C: 'id?:s model?:s expires_at?:n',
};

const PART_REF = 'response_id:s item_id:s output_index:n content_index:n';
const ARGS_REF = 'response_id:s item_id:s output_index:n';

// Every GA server event of `$defs/RealtimeServerEvent`. Keys with `|` share one spec.
const EVENTS: Record<string, string> = {
  error: 'error:E',
  'session.created|session.updated': 'session:C',
  'conversation.created': 'conversation:o',
  'conversation.item.added|conversation.item.done': 'item:I previous_item_id?:s?',
  'conversation.item.retrieved': 'item:I',
  'conversation.item.deleted': 'item_id:s',
  'conversation.item.truncated': 'item_id:s content_index:n audio_end_ms:n',
  'conversation.item.input_audio_transcription.delta': 'item_id:s content_index?:n delta:s logprobs?:a?',
  'conversation.item.input_audio_transcription.completed':
    'item_id:s content_index:n transcript:s usage?:o logprobs?:a? languages?:a',
  'conversation.item.input_audio_transcription.failed': 'item_id:s content_index:n error:F',
  'conversation.item.input_audio_transcription.segment':
    'item_id:s content_index:n text:s id:s speaker:s start:n end:n',
  'input_audio_buffer.speech_started': 'audio_start_ms:n item_id:s',
  'input_audio_buffer.speech_stopped': 'audio_end_ms:n item_id:s',
  'input_audio_buffer.committed': 'item_id:s previous_item_id?:s?',
  'input_audio_buffer.cleared': '',
  'input_audio_buffer.timeout_triggered': 'audio_start_ms:n audio_end_ms:n item_id:s',
  'input_audio_buffer.dtmf_event_received': 'event:s received_at:n',
  'response.created|response.done': 'response:R',
  'response.output_item.added|response.output_item.done': 'response_id:s output_index:n item:I',
  'response.content_part.added|response.content_part.done': `${PART_REF} part:P`,
  'response.output_audio.delta|response.output_audio_transcript.delta|response.output_text.delta': `${PART_REF} delta:s`,
  'response.output_audio.done': PART_REF,
  'response.output_audio_transcript.done': `${PART_REF} transcript:s`,
  'response.output_text.done': `${PART_REF} text:s`,
  'response.function_call_arguments.delta': `${ARGS_REF} call_id:s delta:s`,
  // `name` is in the GA schema but not in the beta shape that other servers still send.
  'response.function_call_arguments.done': `${ARGS_REF} call_id:s name?:s arguments:s`,
  'response.mcp_call_arguments.delta': `${ARGS_REF} delta:s obfuscation?:s?`,
  'response.mcp_call_arguments.done': `${ARGS_REF} arguments:s`,
  'response.mcp_call.in_progress|response.mcp_call.completed|response.mcp_call.failed': 'output_index:n item_id:s',
  'mcp_list_tools.in_progress|mcp_list_tools.completed|mcp_list_tools.failed': 'item_id:s',
  'rate_limits.updated': 'rate_limits:[L]',
  'output_audio_buffer.started|output_audio_buffer.stopped|output_audio_buffer.cleared': 'response_id:s',
};

/** Beta event names still sent by other Realtime-compatible servers → their GA names. */
const ALIASES = new Map<string, string>([
  ['response.audio.delta', 'response.output_audio.delta'],
  ['response.audio.done', 'response.output_audio.done'],
  ['response.audio_transcript.delta', 'response.output_audio_transcript.delta'],
  ['response.audio_transcript.done', 'response.output_audio_transcript.done'],
  ['response.text.delta', 'response.output_text.delta'],
  ['response.text.done', 'response.output_text.done'],
  ['conversation.item.created', 'conversation.item.added'],
]);

/** [field name, may be absent, may be null, type]. */
type Field = [string, boolean, boolean, string];

const compile = (spec: string): Field[] =>
  spec
    ? spec.split(' ').map((token) => {
        const at = token.indexOf(':');
        const name = token.slice(0, at);
        const type = token.slice(at + 1);
        const optional = name.endsWith('?');
        const nullable = type.endsWith('?');
        return [optional ? name.slice(0, -1) : name, optional, nullable, nullable ? type.slice(0, -1) : type];
      })
    : [];

// Maps, not plain objects: a frame whose type is `__proto__` or `toString` must find nothing.
const SPECS = new Map<string, Field[]>();
const NESTED_SPECS = new Map<string, Field[]>();
for (const [keys, spec] of Object.entries(EVENTS)) {
  const fields = compile(spec);
  for (const key of keys.split('|')) SPECS.set(key, fields);
}
for (const [key, spec] of Object.entries(NESTED)) NESTED_SPECS.set(key, compile(spec));

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks `value` against type `t`; returns the path of the first bad field, or `undefined`. */
function checkValue(value: unknown, t: string, path: string): string | undefined {
  switch (t) {
    case 's':
      return typeof value === 'string' ? undefined : path;
    case 'n':
      return typeof value === 'number' && value === value ? undefined : path;
    case 'b':
      return typeof value === 'boolean' ? undefined : path;
    case 'o':
      return isObject(value) ? undefined : path;
    case 'a':
      return Array.isArray(value) ? undefined : path;
  }
  if (t.charCodeAt(0) === 91 /* [ */) {
    if (!Array.isArray(value)) return path;
    const inner = t.slice(1, -1);
    for (let i = 0; i < value.length; i++) {
      const bad = checkValue(value[i], inner, `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  return isObject(value) ? checkFields(value, NESTED_SPECS.get(t)!, `${path}.`) : path;
}

function checkFields(obj: Obj, fields: Field[], prefix: string): string | undefined {
  for (const [name, optional, nullable, t] of fields) {
    const value = obj[name];
    if (value === undefined ? optional : value === null && nullable) continue;
    const bad = checkValue(value, t, prefix + name);
    if (bad) return bad;
  }
  return undefined;
}

const fail = (code: ProtocolError['code'], message: string, eventType?: string, field?: string): ParseResult => {
  const error: ProtocolError = { type: 'protocol_error', code, message };
  if (eventType !== undefined) error.eventType = eventType;
  if (field !== undefined) error.field = field;
  return { ok: false, error };
};

const BINARY_TAGS = new Set(['[object ArrayBuffer]', '[object SharedArrayBuffer]', '[object Blob]', '[object File]']);

/**
 * Turns one server frame (a WebSocket message's `data`, or an already-parsed object) into a
 * validated, typed event with GA names, or a typed `ProtocolError`. Unknown but well-formed
 * events pass through as `{...event, known: false}`. Never throws.
 */
export function parseServerEvent(data: unknown, options?: ParseOptions): ParseResult {
  try {
    let obj: unknown;
    if (typeof data === 'string') {
      const max = options?.maxLength ?? MAX_FRAME_LENGTH;
      if (data.length > max) return fail('too_large', `frame of ${data.length} chars exceeds ${max}`);
      try {
        obj = JSON.parse(data);
      } catch {
        return fail('invalid_json', 'frame is not valid JSON');
      }
      if (!isObject(obj)) return fail('not_an_object', 'frame is not a JSON object');
    } else if (typeof data === 'object' && data !== null) {
      if (ArrayBuffer.isView(data) || BINARY_TAGS.has(Object.prototype.toString.call(data))) {
        return fail('binary_frame', 'binary frames are not part of the protocol');
      }
      if (Array.isArray(data)) return fail('not_an_object', 'event is an array');
      // A shallow copy: the caller's object stays untouched. Spread defines own properties, so an
      // own `__proto__` key stays a plain key and never becomes the copy's prototype.
      obj = { ...data };
    } else {
      return fail('not_an_object', `event is ${data === null ? 'null' : typeof data}`);
    }
    const event = obj as Obj;
    const raw = event.type;
    if (typeof raw !== 'string' || !raw) return fail('missing_type', 'event has no string `type`');
    const alias = ALIASES.get(raw);
    if (alias) event.type = alias;
    const type = alias ?? raw;
    const fields = SPECS.get(type);
    if (!fields) {
      event.known = false;
      return { ok: true, event: event as unknown as ServerEvent };
    }
    const id = event.event_id;
    if (id === undefined) event.event_id = '';
    else if (typeof id !== 'string') return fail('invalid_field', `${type}: bad event_id`, type, 'event_id');
    const bad = checkFields(event, fields, '');
    if (bad) return fail('invalid_field', `${type}: missing or mistyped ${bad}`, type, bad);
    event.known = true;
    return { ok: true, event: event as unknown as ServerEvent };
  } catch {
    // Only exotic inputs get here (a getter or Proxy that throws while being read).
    return fail('not_an_object', 'event could not be read');
  }
}

/** The GA name of a server event type (beta aliases mapped; other names unchanged). */
export const gaEventType = (type: string): string => ALIASES.get(type) ?? type;

/** Whether `type` is one of the server event types that `parseServerEvent` validates. */
export const isKnownServerEventType = (type: string): boolean => SPECS.has(gaEventType(type));
