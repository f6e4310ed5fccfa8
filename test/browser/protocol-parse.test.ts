import { expect } from '@open-wc/testing';
import { parseServerEvent, gaEventType, isKnownServerEventType, type ParseResult, type ProtocolError, type ServerEvent } from '../../src/protocol/index.js';
import { BETA_SAMPLES, GA_SAMPLES, PROTOCOL_MD_TYPES } from './protocol-samples.test.js';

const ok = (r: ParseResult): ServerEvent => {
  if (!r.ok) throw new Error(`expected an event, got ${r.error.code}: ${r.error.message}`);
  return r.event;
};
const err = (r: ParseResult): ProtocolError => {
  if (r.ok) throw new Error(`expected an error, got event ${r.event.type}`);
  return r.error;
};
const CODES = ['invalid_json', 'not_an_object', 'missing_type', 'invalid_field', 'binary_frame', 'too_large'];

/** A small deterministic PRNG so that a failing fuzz case can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parseServerEvent: every PROTOCOL.md section 3 event, GA names', () => {
  for (const type of PROTOCOL_MD_TYPES) {
    it(`parses ${type}`, () => {
      const sample = GA_SAMPLES[type]!;
      const event = ok(parseServerEvent(JSON.stringify(sample)));
      expect(event.type).to.equal(type);
      expect(event.known).to.equal(true);
      // every field survives (the parser validates, it does not rebuild)
      expect({ ...event, known: undefined }).to.deep.equal({ ...sample, known: undefined });
    });
  }

  it('parses the other GA server events of the schema (46 in all) as known', () => {
    const types = Object.keys(GA_SAMPLES);
    expect(types).to.have.length(46);
    for (const type of types) {
      const event = ok(parseServerEvent(JSON.stringify(GA_SAMPLES[type])));
      expect(event.known, type).to.equal(true);
      expect(event.type).to.equal(gaEventType(type));
    }
  });

  it('fills a missing event_id with "" (servers other than OpenAI may omit it)', () => {
    const event = ok(parseServerEvent(GA_SAMPLES['input_audio_buffer.dtmf_event_received']));
    expect(event.event_id).to.equal('');
  });

  it('gives typed access after narrowing on known and type', () => {
    const event = ok(parseServerEvent(JSON.stringify(GA_SAMPLES['response.done'])));
    if (event.known === false) throw new Error('unknown');
    if (event.type !== 'response.done') throw new Error(event.type);
    // compile-time: `response` is a RealtimeResponse here
    expect(event.response.status).to.equal('cancelled');
    expect(event.response.status_details?.reason).to.equal('turn_detected');
  });
});

describe('parseServerEvent: beta aliases', () => {
  for (const [sample, gaType] of BETA_SAMPLES) {
    it(`maps ${sample.type} to ${gaType}`, () => {
      const event = ok(parseServerEvent(JSON.stringify(sample)));
      expect(event.type).to.equal(gaType);
      expect(event.known).to.equal(true);
    });
  }

  it('accepts content parts spelled text/audio and output_text/output_audio', () => {
    for (const partType of ['text', 'audio', 'output_text', 'output_audio']) {
      const frame = { ...GA_SAMPLES['response.content_part.added'], part: { type: partType, text: '' } };
      expect(ok(parseServerEvent(frame)).type).to.equal('response.content_part.added');
    }
  });

  it('gaEventType and isKnownServerEventType know the aliases', () => {
    expect(gaEventType('response.audio.delta')).to.equal('response.output_audio.delta');
    expect(gaEventType('response.output_audio.delta')).to.equal('response.output_audio.delta');
    expect(isKnownServerEventType('response.text.done')).to.equal(true);
    expect(isKnownServerEventType('response.audio.created')).to.equal(false);
    expect(isKnownServerEventType('__proto__')).to.equal(false);
  });
});

describe('parseServerEvent: malformed input is a typed error, never a throw', () => {
  it('malformed JSON → invalid_json', () => {
    for (const text of ['', '{', '{"type":', "{'type':'error'}", '{"type":"error",}', 'undefined', '\u0000']) {
      const e = err(parseServerEvent(text));
      expect(e.type).to.equal('protocol_error');
      expect(e.code, JSON.stringify(text)).to.equal('invalid_json');
    }
  });

  it('JSON that is not an object, and non-object values → not_an_object', () => {
    for (const input of ['[]', '[{"type":"error"}]', '1', 'null', 'true', '"session.created"', null, undefined, 42, true, Symbol('x'), () => 1, [GA_SAMPLES.error]]) {
      expect(err(parseServerEvent(input)).code, String(typeof input)).to.equal('not_an_object');
    }
  });

  it('missing, empty or non-string type → missing_type', () => {
    for (const text of ['{}', '{"type":""}', '{"type":5}', '{"type":null}', '{"type":["error"]}', '{"event_id":"e","delta":"x"}']) {
      expect(err(parseServerEvent(text)).code, text).to.equal('missing_type');
    }
  });

  it('wrong types of the fields the session reads → invalid_field naming the event type and the field', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['response.output_audio.delta', { delta: 5 }, 'delta'],
      ['response.output_audio.delta', { delta: undefined }, 'delta'],
      ['response.output_audio.delta', { content_index: '0' }, 'content_index'],
      ['response.output_audio.done', { response_id: null }, 'response_id'],
      ['conversation.item.input_audio_transcription.delta', { item_id: 7 }, 'item_id'],
      ['conversation.item.added', { item: { type: 'message' } }, 'item.id'],
      ['conversation.item.added', { item: 'item_1' }, 'item'],
      ['conversation.item.done', { item: { id: 'i', type: 'message', content: [{ text: 'x' }] } }, 'item.content[0].type'],
      ['response.done', { response: { id: 'r', status: 3 } }, 'response.status'],
      ['response.done', { response: { id: 'r', status: 'completed', output: [{ id: 1, type: 'message' }] } }, 'response.output[0].id'],
      ['response.output_item.added', { item: { id: 'i', type: 'function_call', call_id: 5 } }, 'item.call_id'],
      ['response.output_text.delta', { delta: null }, 'delta'],
      ['error', { error: { type: 'server_error' } }, 'error.message'],
      ['error', { error: { type: 'server_error', message: 'm', code: 7 } }, 'error.code'],
      ['session.created', { session: [] }, 'session'],
      ['session.created', { event_id: 7 }, 'event_id'],
      ['response.function_call_arguments.done', { arguments: { id: 1 } }, 'arguments'],
      ['conversation.item.input_audio_transcription.completed', { transcript: null }, 'transcript'],
      ['conversation.item.added', { item: { id: 'i', type: 'message', content: [{ type: 'input_audio', transcript: 1 }] } }, 'item.content[0].transcript'],
    ];
    for (const [type, patch, field] of cases) {
      const frame = { ...GA_SAMPLES[type], ...patch };
      const e = err(parseServerEvent(JSON.stringify(frame)));
      expect(e.code, `${type} ${field}`).to.equal('invalid_field');
      expect(e.eventType).to.equal(type);
      expect(e.field).to.equal(field);
      expect(e.message).to.contain(field);
    }
  });

  it('fields the session does not read pass through unchecked', () => {
    const event = ok(parseServerEvent({ ...GA_SAMPLES['rate_limits.updated'], rate_limits: {} }));
    expect(event.known).to.equal(true);
    expect(ok(parseServerEvent({ ...GA_SAMPLES['input_audio_buffer.speech_started'], audio_start_ms: '1000' })).known).to.equal(true);
  });

  it('an alias with wrong fields reports the GA type', () => {
    const e = err(parseServerEvent('{"type":"response.audio.delta","event_id":"e"}'));
    expect(e.code).to.equal('invalid_field');
    expect(e.eventType).to.equal('response.output_audio.delta');
  });

  it('null where a field may be null, and absent optional fields, are fine', () => {
    ok(parseServerEvent({ ...GA_SAMPLES['input_audio_buffer.committed'], previous_item_id: null }));
    ok(parseServerEvent({ ...GA_SAMPLES['input_audio_buffer.committed'], previous_item_id: undefined }));
    ok(parseServerEvent({ ...GA_SAMPLES['response.done'], response: { id: 'r', status: 'failed', status_details: null, usage: null } }));
    ok(parseServerEvent({ type: 'conversation.item.added', event_id: 'e', item: { id: 'i', type: 'message' } }));
  });

  it('binary frames (ArrayBuffer, typed arrays, Blob) → binary_frame', () => {
    for (const data of [new ArrayBuffer(8), new Uint8Array(4), new DataView(new ArrayBuffer(2)), new Blob(['{"type":"error"}'])]) {
      expect(err(parseServerEvent(data)).code).to.equal('binary_frame');
    }
  });

  it('oversize frames → too_large without parsing them', () => {
    const frame = JSON.stringify({ ...GA_SAMPLES['response.output_audio.delta'], delta: 'A'.repeat(2000) });
    expect(err(parseServerEvent(frame, { maxLength: 1000 })).code).to.equal('too_large');
    expect(ok(parseServerEvent(frame, { maxLength: frame.length })).type).to.equal('response.output_audio.delta');
    const huge = `{"type":"x","pad":"${'A'.repeat(17 * 1024 * 1024)}"}`;
    expect(err(parseServerEvent(huge)).code).to.equal('too_large');
  });
});

describe('parseServerEvent: unknown events pass through', () => {
  it('as {...event, known: false} with every field kept', () => {
    const frame = { type: 'response.future_thing.delta', event_id: 'e9', nested: { a: [1, 2] }, known: true };
    const event = ok(parseServerEvent(JSON.stringify(frame)));
    expect(event).to.deep.equal({ ...frame, known: false });
  });

  it('types that are names of Object.prototype members are unknown, not crashes', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const event = ok(parseServerEvent(JSON.stringify({ type, event_id: 'e' })));
      expect(event.known, type).to.equal(false);
      expect(event.type).to.equal(type);
    }
  });

  it('does not mutate an object passed in (it works on a shallow copy)', () => {
    const input = { type: 'response.audio.delta', event_id: 'e', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0, delta: '' };
    const snapshot = { ...input };
    const event = ok(parseServerEvent(input));
    expect(event.type).to.equal('response.output_audio.delta');
    expect(input).to.deep.equal(snapshot);
  });
});

describe('parseServerEvent: hostile input', () => {
  it('__proto__ keys never pollute prototypes', () => {
    const frames = [
      '{"type":"x","__proto__":{"polluted":"yes"}}',
      '{"type":"error","event_id":"e","error":{"type":"t","message":"m","__proto__":{"polluted":"yes"}}}',
      '{"__proto__":{"type":"error","polluted":"yes"}}',
      '{"type":"conversation.item.added","event_id":"e","item":{"__proto__":{"id":"i","type":"message"},"polluted":"yes"}}',
      '{"type":"constructor","constructor":{"prototype":{"polluted":"yes"}}}',
    ];
    for (const frame of frames) {
      parseServerEvent(frame);
      parseServerEvent(JSON.parse(frame));
    }
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect((Object.prototype as Record<string, unknown>).polluted).to.equal(undefined);
    // an own `__proto__` key stays a plain key: the event's prototype is untouched
    const event = ok(parseServerEvent('{"type":"x","__proto__":{"type":"error"}}'));
    expect(Object.getPrototypeOf(event)).to.equal(Object.prototype);
    expect(Object.hasOwn(event, '__proto__')).to.equal(true);
    // a nested `__proto__` cannot supply a required field
    expect(err(parseServerEvent(frames[3]!)).field).to.equal('item.id');
    expect(err(parseServerEvent(frames[2]!)).code).to.equal('missing_type');
  });

  it('deep nesting, huge strings and exotic objects return values', () => {
    const deep = `{"type":"x","a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    expect(parseServerEvent(deep).ok).to.be.a('boolean');
    const deepObj = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(err(parseServerEvent(deepObj)).code).to.equal('missing_type');
    const unbalanced = '['.repeat(1_000_000);
    expect(err(parseServerEvent(unbalanced)).code).to.equal('invalid_json');
    const bigDelta = JSON.stringify({ ...GA_SAMPLES['response.output_audio.delta'], delta: 'A'.repeat(4 * 1024 * 1024) });
    expect(ok(parseServerEvent(bigDelta)).type).to.equal('response.output_audio.delta');
    const throwing = new Proxy({}, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
    expect(err(parseServerEvent(throwing)).type).to.equal('protocol_error');
    const getter = { get type() { throw new Error('boom'); } };
    expect(err(parseServerEvent(getter)).type).to.equal('protocol_error');
    expect(ok(parseServerEvent(Object.assign(Object.create(null), { type: 'x' }))).known).to.equal(false);
  });

  it('fuzz: random bytes, random text and mutated samples never throw', () => {
    const random = rng(12345);
    const samples = Object.values(GA_SAMPLES).map((s) => JSON.stringify(s));
    const alphabet = '{}[]":,.-+eE0123456789 \\ntrufalsenul_typedeltaitem\u0000\u00ff\ud800\u{1f600}';
    const values: unknown[] = [null, 0, -1, 1.5, '', 'x', [], {}, [1], { type: 'x' }, true, 'A'.repeat(100)];
    let errors = 0;
    for (let i = 0; i < 20_000; i++) {
      let input: unknown;
      const kind = i % 5;
      if (kind === 0) {
        const bytes = new Uint8Array(Math.floor(random() * 64));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
        input = String.fromCharCode(...bytes);
      } else if (kind === 1) {
        let s = '';
        const n = Math.floor(random() * 48);
        for (let j = 0; j < n; j++) s += alphabet[Math.floor(random() * alphabet.length)];
        input = s;
      } else if (kind === 2) {
        // cut or corrupt a valid frame at a random place
        const s = samples[Math.floor(random() * samples.length)]!;
        const at = Math.floor(random() * s.length);
        input = random() < 0.5 ? s.slice(0, at) : s.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + s.slice(at + 1);
      } else {
        // a valid frame with one field (top-level or nested) replaced by a random value
        const obj = JSON.parse(samples[Math.floor(random() * samples.length)]!) as Record<string, unknown>;
        const keys = Object.keys(obj);
        const key = keys[Math.floor(random() * keys.length)]!;
        const target = kind === 4 && obj[key] && typeof obj[key] === 'object' ? (obj[key] as Record<string, unknown>) : obj;
        const tk = Object.keys(target);
        target[tk[Math.floor(random() * tk.length)] ?? 'type'] = values[Math.floor(random() * values.length)];
        input = random() < 0.5 ? JSON.stringify(obj) : obj;
      }
      let result: ParseResult;
      try {
        result = parseServerEvent(input);
      } catch (e) {
        throw new Error(`threw on case ${i}: ${String(e)} for ${JSON.stringify(input)?.slice(0, 200)}`);
      }
      if (result.ok) expect(result.event.type).to.be.a('string');
      else {
        errors++;
        expect(CODES).to.include(result.error.code);
        expect(result.error.type).to.equal('protocol_error');
      }
    }
    expect(errors).to.be.greaterThan(5000);
  });
});

describe('parseServerEvent: cost', () => {
  it('benchmark: µs per frame for typical frames (printed, not asserted)', () => {
    const frames: [string, string][] = [
      ['output_audio.delta 16 KB', JSON.stringify({ ...GA_SAMPLES['response.output_audio.delta'], delta: 'A'.repeat(21_336) })],
      ['output_audio.delta 2.4 KB', JSON.stringify({ ...GA_SAMPLES['response.output_audio.delta'], delta: 'A'.repeat(3_200) })],
      ['transcript.delta', JSON.stringify(GA_SAMPLES['response.output_audio_transcript.delta'])],
      ['response.done', JSON.stringify(GA_SAMPLES['response.done'])],
    ];
    const lines: string[] = [];
    for (const [label, frame] of frames) {
      for (let i = 0; i < 200; i++) parseServerEvent(frame);
      let ops = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        for (let i = 0; i < 50; i++) parseServerEvent(frame);
        ops += 50;
        elapsed = performance.now() - start;
      } while (elapsed < 200);
      const json = performance.now();
      for (let i = 0; i < ops; i++) JSON.parse(frame);
      const jsonOnly = performance.now() - json;
      lines.push(`${label}: ${((elapsed * 1000) / ops).toFixed(2)} µs/frame (JSON.parse alone ${((jsonOnly * 1000) / ops).toFixed(2)})`);
    }
    console.log(`parseServerEvent:\n  ${lines.join('\n  ')}`);
    expect(lines).to.have.length(4);
  });
});
