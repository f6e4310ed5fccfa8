// The edge: the only place where untrusted server frames become typed events. One pass over each
// frame, table-driven, and no throw ever escapes (a malformed frame is a value the session can log
// and ignore). Every GA event type is known; the fields the session reads are validated (so that
// no handler can trip over a wrong type), and everything else — other fields, events the session
// does not read, unknown events — passes through untouched.
import type { ParseResult, ProtocolError, ServerEvent } from './events.js';

/** Options of `parseServerEvent`. */
export interface ParseOptions {
  /** Longest text frame accepted, in UTF-16 code units (default 16 MiB). */
  maxLength?: number;
}

/** The default `maxLength`: far above any real event (audio deltas are ≤ ~16 KB). */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;

// Field specs: space-separated names; `name?` may be absent, `name??` may also be null. A field's
// type follows from its name: an object (or, after `[`, an array of objects) with the spec of
// NESTED, a number for `content_index`, else a string. One spec per name keeps the table small.
const ITEM = 'id type role? status? call_id? name? arguments? content?';
const NESTED = new Map(
  Object.entries({
    item: ITEM,
    output: `[${ITEM}`,
    content: '[type text? transcript??',
    response: 'id status output?',
    error: 'message code?? event_id??',
    session: 'id? model?',
  }),
);

// Every GA server event of `$defs/RealtimeServerEvent` (46), one `types: fields` line per spec.
// The last line's events are known but the session reads none of their fields.
const EVENTS = `error:error
session.created session.updated:session
conversation.item.added conversation.item.done:item
input_audio_buffer.committed conversation.item.input_audio_transcription.failed:item_id
conversation.item.input_audio_transcription.delta:item_id delta?
conversation.item.input_audio_transcription.completed:item_id transcript
response.created response.done:response
response.output_item.added response.output_item.done:response_id item
response.output_audio.delta:response_id item_id content_index delta
response.output_audio.done:response_id item_id
response.output_audio_transcript.delta response.output_text.delta:response_id item_id delta
response.output_audio_transcript.done:response_id item_id transcript
response.output_text.done:response_id item_id text
response.function_call_arguments.done:call_id name? arguments
conversation.created conversation.item.retrieved conversation.item.deleted conversation.item.truncated \
conversation.item.input_audio_transcription.segment input_audio_buffer.speech_started input_audio_buffer.speech_stopped \
input_audio_buffer.cleared input_audio_buffer.timeout_triggered input_audio_buffer.dtmf_event_received \
response.content_part.added response.content_part.done response.function_call_arguments.delta \
response.mcp_call_arguments.delta response.mcp_call_arguments.done response.mcp_call.in_progress \
response.mcp_call.completed response.mcp_call.failed mcp_list_tools.in_progress mcp_list_tools.completed \
mcp_list_tools.failed output_audio_buffer.started output_audio_buffer.stopped output_audio_buffer.cleared \
rate_limits.updated:`;

// A Map, not a plain object: a frame whose type is `__proto__` or `toString` must find nothing.
// Every event has a string `event_id` (filled in with '' when a server sends none).
const SPECS = new Map<string, string>();
for (const line of EVENTS.split('\n')) {
  const [types, fields] = line.split(':');
  for (const type of types!.split(' ')) SPECS.set(type, `event_id ${fields}`.trim());
}

// Each spec split once: `name?` → ['name', ''], `name??` → ['name', '', ''].
const COMPILED = new Map<string, string[][]>();
const compile = (spec: string): string[][] => COMPILED.get(spec) ?? COMPILED.set(spec, spec.split(' ').map((field) => field.split('?'))).get(spec)!;

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The path of the first part of `value` that does not match `spec`, or `undefined`. */
function mismatch(value: unknown, spec: string, path: string): string | undefined {
  if (spec[0] === '[') {
    return Array.isArray(value) ? value.map((element, i) => mismatch(element, spec.slice(1), `${path}[${i}]`)).find(Boolean) : path;
  }
  if (!isObject(value)) return path;
  for (const [name, optional, nullable] of compile(spec)) {
    const fieldValue = value[name!];
    if (fieldValue === undefined ? optional === '' : fieldValue === null && nullable === '') continue;
    const at = path ? `${path}.${name}` : name!;
    const nested = NESTED.get(name!);
    // `fieldValue === fieldValue`: never NaN.
    const bad = nested
      ? mismatch(fieldValue, nested, at)
      : typeof fieldValue !== (name === 'content_index' ? 'number' : 'string') || fieldValue !== fieldValue
        ? at
        : undefined;
    if (bad) return bad;
  }
  return undefined;
}

// The message is the code in words unless there is more to say.
const fail = (code: ProtocolError['code'], message = code.replace(/_/g, ' '), where?: Pick<ProtocolError, 'eventType' | 'field'>): ParseResult => ({
  ok: false,
  error: { type: 'protocol_error', code, message, ...where },
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
        return fail('invalid_json');
      }
    } else if (isObject(data)) {
      // ArrayBuffer, typed arrays, DataView, Blob, File (arrays are not objects here).
      if (/Array|View|Blob|File/.test(Object.prototype.toString.call(data))) return fail('binary_frame');
      // A shallow copy: the caller's object stays untouched. Spread defines own properties, so an
      // own `__proto__` key stays a plain key and never becomes the copy's prototype.
      event = { ...data };
    }
    if (!isObject(event)) return fail('not_an_object');
    if (typeof event.type !== 'string' || !event.type) return fail('missing_type');
    const type = (event.type = gaEventType(event.type));
    const spec = SPECS.get(type);
    if (spec) {
      event.event_id ??= '';
      const bad = mismatch(event, spec, '');
      if (bad) return fail('invalid_field', `${type}: bad ${bad}`, { eventType: type, field: bad });
    }
    event.known = !!spec;
    return { ok: true, event: event as unknown as ServerEvent };
  } catch {
    // Only exotic inputs get here (a getter or Proxy that throws while being read).
    return fail('not_an_object');
  }
}
