// React 19: <realtime-voice> is used like any element. Properties (tools, getToken, session)
// take objects and functions; `onrv-*` props listen to the element's events, fully typed by
// ./realtime-voice-jsx.d.ts.
import { useCallback, useMemo, useRef, useState } from 'react';
import 'realtime-voice';
import type {
  RealtimeTool,
  RealtimeVoiceElement,
  RealtimeVoiceErrorEvent,
  RealtimeVoiceStatus,
  RealtimeVoiceToolCallEvent,
  RealtimeVoiceTranscriptEvent,
} from 'realtime-voice';

export interface SupportWidgetProps {
  /** Your backend's token endpoint (see `createTokenHandler`). */
  tokenUrl: string;
  /** Looks an order up in your system; its answer is spoken by the agent. */
  lookupOrder: (orderId: string) => Promise<unknown>;
}

export function SupportWidget({ tokenUrl, lookupOrder }: SupportWidgetProps) {
  const agent = useRef<RealtimeVoiceElement>(null);
  const [status, setStatus] = useState<RealtimeVoiceStatus>('idle');
  const [lines, setLines] = useState<string[]>([]);
  const [failed, setFailed] = useState(false);

  // Keep the array stable: a new array would re-send the session configuration.
  const tools = useMemo<RealtimeTool[]>(
    () => [
      {
        name: 'lookup_order',
        description: 'Look up the status of a customer order by its number.',
        parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
        handler: (args) => lookupOrder(String((args as { order_id: string }).order_id)),
      },
    ],
    [lookupOrder],
  );

  const onTranscript = useCallback((event: RealtimeVoiceTranscriptEvent) => {
    const { role, text, final } = event.detail;
    if (final) setLines((previous) => [...previous, `${role === 'user' ? 'You' : 'Agent'}: ${text}`]);
  }, []);

  // Tools without a handler arrive as rv-tool-call events.
  const onToolCall = useCallback((event: RealtimeVoiceToolCallEvent) => {
    if (event.detail.name === 'open_ticket') event.respondWith({ ticket: 'T-1042' });
  }, []);

  const onError = useCallback((event: RealtimeVoiceErrorEvent) => {
    if (event.detail.fatal) setFailed(true);
  }, []);

  return (
    <section aria-label="Voice support">
      <realtime-voice
        ref={agent}
        tokenUrl={tokenUrl}
        variant="inline"
        transcript
        textInput
        tools={tools}
        style={{ '--realtime-voice-accent': '#0b6e4f' }}
        onrv-status={(event) => setStatus(event.detail.status)}
        onrv-transcript={onTranscript}
        onrv-tool-call={onToolCall}
        onrv-error={onError}
      />
      <p data-testid="status">{status}</p>
      {failed && <p role="alert">Voice help is unavailable. Call us on 555-0100.</p>}
      <button type="button" onClick={() => agent.current?.sendText('Where is my order 4217?')}>
        Ask about order 4217
      </button>
      <ol data-testid="log">
        {lines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ol>
    </section>
  );
}
