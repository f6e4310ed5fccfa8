// The edge: the only place where untrusted server frames become typed events. One pass over each
// frame, table-driven, and no throw ever escapes (a malformed frame is a value the session can log
// and ignore). Every GA event type is known; the fields the session reads are validated, and
// everything else (other fields, unknown events) passes through untouched.
import type { ParseResult, ProtocolError, ServerEvent } from './events.js';

/** Options of `parseServerEvent`. */
export interface ParseOptions {
  /** Longest text frame accepted, in UTF-16 code units (default 16 MiB). */
  maxLength?: number;
}

/** The default `maxLength`: far above any real event (audio deltas are ≤ ~16 KB). */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;

// Field specs: `name` (a string) or `name:t`; `name?` may be absent, a type ending in `?` may also
// be null. Types: `n` number, a capital letter = one of the nested specs, `[X]` = an array whose
// every element matches X.
const NESTED: Record<string, string> = {
  // a conversation item, or a response's output item
  I: 'id type role? status? call_id? name? arguments? content?:[P]',
  // a content part
  P: 'type text? transcript?:s?',
  R: 'id status output?:[I]',
  E: 'type message code?:s? event_id?:s?',
  C: 'id? model?',
};

const PART = 'response_id item_id';

// Every GA server event of `$defs/RealtimeServerEvent` (46), as `prefix{a,b}` patterns, with the
// fields the session relies on. Types with an empty spec are known but not checked.
const EVENTS: [patterns: string, spec: string][] = [
  ['error', 'error:E'],
  ['session.{created,updated}', 'session:C'],
  ['conversation.item.{added,done}', 'item:I'],
  ['input_audio_buffer.committed conversation.item.input_audio_transcription.failed', 'item_id'],
  ['conversation.item.input_audio_transcription.delta', 'item_id delta'],
  ['conversation.item.input_audio_transcription.completed', 'item_id transcript'],
  ['response.{created,done}', 'response:R'],
  ['response.output_item.{added,done}', 'response_id item:I'],
  ['response.output_audio.delta', `${PART} content_index:n delta`],
  ['response.output_audio.done', PART],
  ['response.output_{audio_transcript,text}.delta', `${PART} delta`],
  ['response.output_audio_transcript.done', `${PART} transcript`],
  ['response.output_text.done', `${PART} text`],
  ['response.function_call_arguments.done', 'call_id name? arguments'],
  [
    'conversation.{created,item.retrieved,item.deleted,item.truncated,item.input_audio_transcription.segment} ' +
      'input_audio_buffer.{speech_started,speech_stopped,cleared,timeout_triggered,dtmf_event_received} ' +
      'response.{content_part.added,content_part.done,function_call_arguments.delta,mcp_call_arguments.delta,mcp_call_arguments.done} ' +
      'response.mcp_call.{in_progress,completed,failed} mcp_list_tools.{in_progress,completed,failed} ' +
      'output_audio_buffer.{started,stopped,cleared} rate_limits.updated',
    '',
  ],
];

/** [name, may be absent, may be null, type]. */
type Field = [string, boolean, boolean, string];

const compile = (spec: string): Field[] =>
  spec.split(' ').map((field) => {
    const [, name, optional, type, nullable] = /(\w+)(\??):?([^?]*)(\??)/.exec(field)!;
    return [name!, !!optional, !!nullable, type!];
  });

// Maps, not plain objects: a frame whose type is `__proto__` or `toString` must find nothing.
const SPECS = new Map<string, Field[]>();
const NESTED_SPECS = new Map(Object.entries(NESTED).map(([key, spec]) => [key, compile(spec)]));
for (const [patterns, spec] of EVENTS) {
  // Every event has a string `event_id` (filled in with '' when a server sends none).
  const fields = compile(`event_id ${spec}`.trim());
  for (const pattern of patterns.split(' ')) {
    const [head, alternatives = '', tail = ''] = pattern.split(/[{}]/);
    for (const name of alternatives.split(',')) SPECS.set(head + name + tail, fields);
  }
}

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path of the first part of `value` that does not match `type` (or `fields`), or `undefined`. */
function mismatch(value: unknown, type: string | Field[], path: string): string | undefined {
  if (typeof type === 'string') {
    if (type[0] === '[') {
      return Array.isArray(value) ? value.map((element, i) => mismatch(element, type.slice(1, -1), `${path}[${i}]`)).find(Boolean) : path;
    }
    const nested = NESTED_SPECS.get(type);
    // `value === value`: never NaN.
    if (!nested) return typeof value === (type === 'n' ? 'number' : 'string') && value === value ? undefined : path;
    type = nested;
  }
  if (!isObject(value)) return path;
  for (const [name, optional, nullable, fieldType] of type) {
    const field = value[name];
    if (field === undefined ? optional : field === null && nullable) continue;
    const bad = mismatch(field, fieldType, path ? `${path}.${name}` : name);
    if (bad) return bad;
  }
  return undefined;
}

const fail = (code: ProtocolError['code'], message: string, eventType?: string, field?: string): ParseResult => ({
  ok: false,
  error: { type: 'protocol_error', code, message, ...(field && { eventType, field }) },
});

/** The GA name of a server event type: beta names that other servers still send are mapped. */
export function gaEventType(type: string): string {
  const ga = type === 'conversation.item.created' ? 'conversation.item.added' : type.replace(/^response\.(audio|text)/, 'response.output_$1');
  return SPECS.has(ga) ? ga : type;
}

/** Whether `type` is one of the GA server event types (or a beta name of one). */
export const isKnownServerEventType = (type: string): boolean => SPECS.has(gaEventType(type));

/**
 * Turns one server frame (a WebSocket message's `data`, or an already-parsed object) into a
 * validated, typed event with GA names, or a typed `ProtocolError`. Unknown but well-formed
 * events pass through as `{...event, known: false}`. Never throws.
 */
export function parseServerEvent(data: unknown, options?: ParseOptions): ParseResult {
  try {
    let event = data;
    if (typeof data === 'string') {
      const max = options?.maxLength ?? MAX_FRAME_LENGTH;
      if (data.length > max) return fail('too_large', `frame longer than ${max}`);
      try {
        event = JSON.parse(data);
      } catch {
        return fail('invalid_json', 'frame is not JSON');
      }
    } else if (isObject(data)) {
      if (ArrayBuffer.isView(data) || /ArrayBuffer|Blob|File/.test(Object.prototype.toString.call(data))) {
        return fail('binary_frame', 'binary frame');
      }
      // A shallow copy: the caller's object stays untouched. Spread defines own properties, so an
      // own `__proto__` key stays a plain key and never becomes the copy's prototype.
      event = { ...data };
    }
    if (!isObject(event)) return fail('not_an_object', 'event is not an object');
    if (typeof event.type !== 'string' || !event.type) return fail('missing_type', 'event has no type');
    const type = (event.type = gaEventType(event.type));
    const fields = SPECS.get(type);
    if (fields) {
      if (event.event_id === undefined) event.event_id = '';
      const bad = mismatch(event, fields, '');
      if (bad) return fail('invalid_field', `${type}: bad ${bad}`, type, bad);
    }
    event.known = !!fields;
    return { ok: true, event: event as unknown as ServerEvent };
  } catch {
    // Only exotic inputs get here (a getter or Proxy that throws while being read).
    return fail('not_an_object', 'unreadable event');
  }
}
