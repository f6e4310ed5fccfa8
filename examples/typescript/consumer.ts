// A TypeScript consumer of the published types: no casts needed. `import 'realtime-voice'`
// defines the element and brings its HTMLElementTagNameMap and event-map entries into scope.
import 'realtime-voice';
import {
  RealtimeVoiceElement,
  RealtimeVoiceToolCallEvent,
  type ConversationItem,
  type RealtimeTool,
  type RealtimeVoiceStatus,
  type TokenResponse,
} from 'realtime-voice';

// `querySelector` and `createElement` know the tag.
const agent: RealtimeVoiceElement | null = document.querySelector('realtime-voice');
const created = document.createElement('realtime-voice');
created.tokenUrl = '/realtime/session';
created.turnDetection = 'semantic_vad';
created.eagerness = 'high';
created.variant = 'inline';
document.body.append(created);

// The token hook: fetch the credential yourself (extra headers, a different origin…).
created.getToken = async ({ signal }): Promise<TokenResponse> => {
  const res = await fetch('/realtime/session', { method: 'POST', headers: { 'x-csrf-token': 'token' }, signal });
  return (await res.json()) as TokenResponse;
};

// Tools: the handler's arguments arrive parsed; its return value goes back to the agent.
interface LookupArgs {
  order_id: string;
}
const lookupOrder: RealtimeTool = {
  name: 'lookup_order',
  description: 'Look up an order by its number.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
  handler: async (args) => {
    const { order_id } = args as LookupArgs;
    return { order_id, status: 'shipped' };
  },
};
created.tools = [lookupOrder];

// Every escape hatch of the GA session stays typed.
created.session = { audio: { output: { speed: 1.1 } } };

// Events are typed through GlobalEventHandlersEventMap: `detail` needs no cast.
created.addEventListener('rv-status', (event) => {
  const now: RealtimeVoiceStatus = event.detail.status;
  const before: RealtimeVoiceStatus = event.detail.previous;
  console.log(`${before} → ${now}`);
});
created.addEventListener('rv-transcript', (event) => {
  const { role, text, final } = event.detail;
  if (final) console.log(`${role === 'user' ? 'You' : 'Agent'}: ${text}`);
});
created.addEventListener('rv-tool-call', (event) => {
  // Tools without a handler are answered here; `respondWith` takes a value or a promise.
  if (event.detail.name === 'open_ticket') event.respondWith(Promise.resolve({ ticket: 'T-1' }));
  else event.preventDefault(); // declines: the agent hears "not available"
});
created.addEventListener('rv-error', (event) => {
  if (event.detail.code === 'mic_permission_denied') created.textInput = true;
  if (event.detail.fatal) console.warn(event.detail.message);
});
created.addEventListener('rv-interrupted', (event) => console.log(`heard ${event.detail.audioEndMs} ms`));
created.addEventListener('rv-connected', (event) => console.log(event.detail.sessionId, event.detail.model));
created.addEventListener('rv-disconnected', (event) => console.log(event.detail.code, event.detail.willReconnect));
created.addEventListener('rv-server-event', (event) => {
  if (event.detail.event.type === 'response.done') console.log('response done');
});
// The events bubble and are composed: a listener on an ancestor is typed the same way.
document.addEventListener('rv-error', (event) => console.log(event.detail.code));

// The event classes are exported for instanceof checks and hand-made events in tests.
document.addEventListener('rv-tool-call', (event) => {
  if (event instanceof RealtimeVoiceToolCallEvent) console.log(event.detail.callId);
});

// Methods and read-only state.
async function talk(el: RealtimeVoiceElement): Promise<ConversationItem[]> {
  await el.start();
  el.sendText('Where is my order 4217?');
  el.interrupt();
  el.muted = true;
  el.stop();
  return el.conversation;
}
if (agent) void talk(agent);

// Mistakes are compile errors.
// @ts-expect-error: `turnDetection` is a union of the three modes
created.turnDetection = 'vad';
created.addEventListener('rv-transcript', (event) => {
  // @ts-expect-error: the transcript detail has no `status`
  console.log(event.detail.status);
});
// @ts-expect-error: status is read-only
created.status = 'idle';
