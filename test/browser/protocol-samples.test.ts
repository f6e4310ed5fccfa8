// Sample server frames: one per GA server event type of `$defs/RealtimeServerEvent` (all 46),
// and the beta spellings that other Realtime-compatible servers still send. Plain data with no
// imports, so the Node test (test/node/protocol-ws.test.js) can transpile this file and check
// every GA sample against the JSON Schema, while the browser tests parse them.

type Sample = { type: string; [key: string]: unknown };

const part = { response_id: 'resp_001', item_id: 'item_002', output_index: 0, content_index: 0 };
const assistantItem = {
  id: 'item_002',
  object: 'realtime.item',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_audio', transcript: 'Your order shipped yesterday.' }],
};
const userItem = {
  id: 'item_001',
  object: 'realtime.item',
  type: 'message',
  status: 'completed',
  role: 'user',
  content: [{ type: 'input_audio', transcript: 'Where is my order?' }],
};
const callItem = {
  id: 'item_003',
  object: 'realtime.item',
  type: 'function_call',
  status: 'completed',
  call_id: 'call_001',
  name: 'lookup_order',
  arguments: '{"id":"A-17"}',
};
const response = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'resp_001',
  object: 'realtime.response',
  status,
  output: status === 'in_progress' ? [] : [assistantItem, callItem],
  ...extra,
});

/** One sample per GA server event type, keyed by type. */
export const GA_SAMPLES: Record<string, Sample> = {
  error: {
    type: 'error',
    event_id: 'event_1',
    error: {
      type: 'invalid_request_error',
      code: 'conversation_already_has_active_response',
      message: 'Conversation already has an active response in progress.',
      param: null,
      event_id: 'evt_abc_7',
    },
  },
  'session.created': {
    type: 'session.created',
    event_id: 'event_2',
    session: {
      type: 'realtime',
      object: 'realtime.session',
      id: 'sess_001',
      model: 'gpt-realtime',
      expires_at: 1756310470,
      output_modalities: ['audio'],
      instructions: 'You are a support agent.',
    },
  },
  'session.updated': {
    type: 'session.updated',
    event_id: 'event_3',
    session: { type: 'realtime', object: 'realtime.session', id: 'sess_001', model: 'gpt-realtime', tools: [] },
  },
  'conversation.created': {
    type: 'conversation.created',
    event_id: 'event_4',
    conversation: { id: 'conv_001', object: 'realtime.conversation' },
  },
  'conversation.item.created': {
    type: 'conversation.item.created',
    event_id: 'event_5',
    previous_item_id: null,
    item: userItem,
  },
  'conversation.item.added': {
    type: 'conversation.item.added',
    event_id: 'event_6',
    previous_item_id: 'item_000',
    item: userItem,
  },
  'conversation.item.done': {
    type: 'conversation.item.done',
    event_id: 'event_7',
    previous_item_id: 'item_001',
    item: assistantItem,
  },
  'conversation.item.retrieved': { type: 'conversation.item.retrieved', event_id: 'event_8', item: assistantItem },
  'conversation.item.deleted': { type: 'conversation.item.deleted', event_id: 'event_9', item_id: 'item_002' },
  'conversation.item.truncated': {
    type: 'conversation.item.truncated',
    event_id: 'event_10',
    item_id: 'item_002',
    content_index: 0,
    audio_end_ms: 1500,
  },
  'conversation.item.input_audio_transcription.delta': {
    type: 'conversation.item.input_audio_transcription.delta',
    event_id: 'event_11',
    item_id: 'item_001',
    content_index: 0,
    delta: 'Where is',
  },
  'conversation.item.input_audio_transcription.completed': {
    type: 'conversation.item.input_audio_transcription.completed',
    event_id: 'event_12',
    item_id: 'item_001',
    content_index: 0,
    transcript: 'Where is my order?',
    usage: { type: 'duration', seconds: 1.4 },
  },
  'conversation.item.input_audio_transcription.failed': {
    type: 'conversation.item.input_audio_transcription.failed',
    event_id: 'event_13',
    item_id: 'item_001',
    content_index: 0,
    error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'The audio could not be transcribed.' },
  },
  'conversation.item.input_audio_transcription.segment': {
    type: 'conversation.item.input_audio_transcription.segment',
    event_id: 'event_14',
    item_id: 'item_001',
    content_index: 0,
    text: 'Where is my order?',
    id: 'seg_001',
    speaker: 'A',
    start: 0.2,
    end: 1.6,
  },
  'input_audio_buffer.speech_started': {
    type: 'input_audio_buffer.speech_started',
    event_id: 'event_15',
    audio_start_ms: 1000,
    item_id: 'item_001',
  },
  'input_audio_buffer.speech_stopped': {
    type: 'input_audio_buffer.speech_stopped',
    event_id: 'event_16',
    audio_end_ms: 2600,
    item_id: 'item_001',
  },
  'input_audio_buffer.committed': {
    type: 'input_audio_buffer.committed',
    event_id: 'event_17',
    previous_item_id: null,
    item_id: 'item_001',
  },
  'input_audio_buffer.cleared': { type: 'input_audio_buffer.cleared', event_id: 'event_18' },
  'input_audio_buffer.timeout_triggered': {
    type: 'input_audio_buffer.timeout_triggered',
    event_id: 'event_19',
    audio_start_ms: 13216,
    audio_end_ms: 19232,
    item_id: 'item_004',
  },
  'input_audio_buffer.dtmf_event_received': {
    type: 'input_audio_buffer.dtmf_event_received',
    event: '7',
    received_at: 1756310470,
  },
  'response.created': { type: 'response.created', event_id: 'event_20', response: response('in_progress') },
  'response.done': {
    type: 'response.done',
    event_id: 'event_21',
    response: response('cancelled', {
      status_details: { type: 'cancelled', reason: 'turn_detected' },
      usage: { total_tokens: 120, input_tokens: 80, output_tokens: 40 },
    }),
  },
  'response.output_item.added': {
    type: 'response.output_item.added',
    event_id: 'event_22',
    response_id: 'resp_001',
    output_index: 0,
    item: { ...assistantItem, status: 'in_progress', content: [] },
  },
  'response.output_item.done': {
    type: 'response.output_item.done',
    event_id: 'event_23',
    response_id: 'resp_001',
    output_index: 1,
    item: callItem,
  },
  'response.content_part.added': {
    type: 'response.content_part.added',
    event_id: 'event_24',
    ...part,
    part: { type: 'audio', transcript: '' },
  },
  'response.content_part.done': {
    type: 'response.content_part.done',
    event_id: 'event_25',
    ...part,
    part: { type: 'audio', transcript: 'Your order shipped yesterday.' },
  },
  'response.output_audio.delta': { type: 'response.output_audio.delta', event_id: 'event_26', ...part, delta: 'AAABAP9//38AgA==' },
  'response.output_audio.done': { type: 'response.output_audio.done', event_id: 'event_27', ...part },
  'response.output_audio_transcript.delta': {
    type: 'response.output_audio_transcript.delta',
    event_id: 'event_28',
    ...part,
    delta: 'Your order',
  },
  'response.output_audio_transcript.done': {
    type: 'response.output_audio_transcript.done',
    event_id: 'event_29',
    ...part,
    transcript: 'Your order shipped yesterday.',
  },
  'response.output_text.delta': { type: 'response.output_text.delta', event_id: 'event_30', ...part, delta: 'Hel' },
  'response.output_text.done': { type: 'response.output_text.done', event_id: 'event_31', ...part, text: 'Hello' },
  'response.function_call_arguments.delta': {
    type: 'response.function_call_arguments.delta',
    event_id: 'event_32',
    response_id: 'resp_001',
    item_id: 'item_003',
    output_index: 1,
    call_id: 'call_001',
    delta: '{"id":',
  },
  'response.function_call_arguments.done': {
    type: 'response.function_call_arguments.done',
    event_id: 'event_33',
    response_id: 'resp_001',
    item_id: 'item_003',
    output_index: 1,
    call_id: 'call_001',
    name: 'lookup_order',
    arguments: '{"id":"A-17"}',
  },
  'rate_limits.updated': {
    type: 'rate_limits.updated',
    event_id: 'event_34',
    rate_limits: [
      { name: 'requests', limit: 1000, remaining: 999, reset_seconds: 60 },
      { name: 'tokens', limit: 50000, remaining: 49000, reset_seconds: 0.5 },
    ],
  },
  'output_audio_buffer.started': { type: 'output_audio_buffer.started', event_id: 'event_35', response_id: 'resp_001' },
  'output_audio_buffer.stopped': { type: 'output_audio_buffer.stopped', event_id: 'event_36', response_id: 'resp_001' },
  'output_audio_buffer.cleared': { type: 'output_audio_buffer.cleared', event_id: 'event_37', response_id: 'resp_001' },
  'mcp_list_tools.in_progress': { type: 'mcp_list_tools.in_progress', event_id: 'event_38', item_id: 'mcp_001' },
  'mcp_list_tools.completed': { type: 'mcp_list_tools.completed', event_id: 'event_39', item_id: 'mcp_001' },
  'mcp_list_tools.failed': { type: 'mcp_list_tools.failed', event_id: 'event_40', item_id: 'mcp_001' },
  'response.mcp_call_arguments.delta': {
    type: 'response.mcp_call_arguments.delta',
    event_id: 'event_41',
    response_id: 'resp_001',
    item_id: 'mcp_002',
    output_index: 0,
    delta: '{"q":',
  },
  'response.mcp_call_arguments.done': {
    type: 'response.mcp_call_arguments.done',
    event_id: 'event_42',
    response_id: 'resp_001',
    item_id: 'mcp_002',
    output_index: 0,
    arguments: '{"q":"order"}',
  },
  'response.mcp_call.in_progress': { type: 'response.mcp_call.in_progress', event_id: 'event_43', output_index: 0, item_id: 'mcp_002' },
  'response.mcp_call.completed': { type: 'response.mcp_call.completed', event_id: 'event_44', output_index: 0, item_id: 'mcp_002' },
  'response.mcp_call.failed': { type: 'response.mcp_call.failed', event_id: 'event_45', output_index: 0, item_id: 'mcp_002' },
};

/** The same events in the beta shape: [beta frame, the GA type it must come out as]. */
export const BETA_SAMPLES: [Sample, string][] = [
  [{ type: 'response.audio.delta', event_id: 'event_b1', ...part, delta: 'AAABAP9//38AgA==' }, 'response.output_audio.delta'],
  [{ type: 'response.audio.done', event_id: 'event_b2', ...part }, 'response.output_audio.done'],
  [{ type: 'response.audio_transcript.delta', event_id: 'event_b3', ...part, delta: 'Your' }, 'response.output_audio_transcript.delta'],
  [
    { type: 'response.audio_transcript.done', event_id: 'event_b4', ...part, transcript: 'Your order shipped.' },
    'response.output_audio_transcript.done',
  ],
  [{ type: 'response.text.delta', event_id: 'event_b5', ...part, delta: 'Hi' }, 'response.output_text.delta'],
  [{ type: 'response.text.done', event_id: 'event_b6', ...part, text: 'Hi there' }, 'response.output_text.done'],
  [
    // beta user items carry `transcript: null` until transcription completes
    {
      type: 'conversation.item.created',
      event_id: 'event_b7',
      previous_item_id: null,
      item: { ...userItem, content: [{ type: 'input_audio', transcript: null }] },
    },
    'conversation.item.added',
  ],
  [
    // beta function_call_arguments.done has no `name`
    {
      type: 'response.function_call_arguments.done',
      event_id: 'event_b8',
      response_id: 'resp_001',
      item_id: 'item_003',
      output_index: 1,
      call_id: 'call_001',
      arguments: '{}',
    },
    'response.function_call_arguments.done',
  ],
];

/** The server event types of PROTOCOL.md section 3 (the ones the widget acts on). */
export const PROTOCOL_MD_TYPES = [
  'session.created',
  'session.updated',
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.committed',
  'input_audio_buffer.cleared',
  'input_audio_buffer.timeout_triggered',
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.input_audio_transcription.delta',
  'conversation.item.input_audio_transcription.completed',
  'conversation.item.input_audio_transcription.failed',
  'conversation.item.truncated',
  'conversation.item.retrieved',
  'conversation.item.deleted',
  'response.created',
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
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.done',
  'rate_limits.updated',
  'error',
];

// Guarded: in Node (when the schema test imports this file) there is no mocha `describe`.
if (typeof describe === 'function') {
  describe('protocol samples', () => {
    it('cover 46 GA server event types and every PROTOCOL.md section 3 type', () => {
      const types = Object.keys(GA_SAMPLES);
      if (types.length !== 46) throw new Error(`expected 46 GA samples, got ${types.length}`);
      for (const [type, sample] of Object.entries(GA_SAMPLES)) if (sample.type !== type) throw new Error(`sample ${type} has type ${sample.type}`);
      const missing = PROTOCOL_MD_TYPES.filter((t) => !types.includes(t));
      if (missing.length) throw new Error(`no sample for ${missing.join(', ')}`);
    });
  });
}
