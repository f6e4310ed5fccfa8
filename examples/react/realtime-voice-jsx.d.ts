// JSX typings for <realtime-voice> in React 19. Copy this file into your project (any .d.ts the
// compiler sees). React 19 sets a custom element's known properties as properties (so `tools`,
// `getToken` and `session` take objects and functions) and turns `on<event-name>` props into
// listeners for exactly that event name: `onrv-transcript` listens to `rv-transcript`.
import type { DOMAttributes, Ref } from 'react';
import type {
  RealtimeVoiceConnectedEvent,
  RealtimeVoiceDisconnectedEvent,
  RealtimeVoiceElement,
  RealtimeVoiceErrorEvent,
  RealtimeVoiceInterruptedEvent,
  RealtimeVoiceServerEvent,
  RealtimeVoiceStatusEvent,
  RealtimeVoiceToolCallEvent,
  RealtimeVoiceTranscriptEvent,
} from 'realtime-voice';

/** The element's writable properties, all optional in JSX. */
type RealtimeVoiceProps = Partial<
  Pick<
    RealtimeVoiceElement,
    | 'tokenUrl' | 'getToken' | 'url' | 'model' | 'voice' | 'instructions' | 'greeting' | 'turnDetection'
    | 'vadThreshold' | 'vadSilenceMs' | 'vadPrefixMs' | 'eagerness' | 'transcriptionModel' | 'language'
    | 'noiseReduction' | 'pushToTalk' | 'variant' | 'position' | 'label' | 'transcript' | 'textInput'
    | 'muted' | 'open' | 'workletUrl' | 'reconnectAttempts' | 'debug' | 'tools' | 'session' | 'strings'
  >
>;

/** The element's events as React 19 custom-element listener props. */
interface RealtimeVoiceEventProps {
  'onrv-status'?: (event: RealtimeVoiceStatusEvent) => void;
  'onrv-connected'?: (event: RealtimeVoiceConnectedEvent) => void;
  'onrv-disconnected'?: (event: RealtimeVoiceDisconnectedEvent) => void;
  'onrv-transcript'?: (event: RealtimeVoiceTranscriptEvent) => void;
  'onrv-tool-call'?: (event: RealtimeVoiceToolCallEvent) => void;
  'onrv-interrupted'?: (event: RealtimeVoiceInterruptedEvent) => void;
  'onrv-error'?: (event: RealtimeVoiceErrorEvent) => void;
  'onrv-server-event'?: (event: RealtimeVoiceServerEvent) => void;
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'realtime-voice': RealtimeVoiceProps &
        RealtimeVoiceEventProps &
        Pick<DOMAttributes<RealtimeVoiceElement>, 'children'> & {
          ref?: Ref<RealtimeVoiceElement>;
          id?: string;
          class?: string;
          className?: string;
          style?: import('react').CSSProperties & Record<`--realtime-voice-${string}`, string>;
          hidden?: boolean;
          slot?: string;
          key?: import('react').Key;
        };
    }
  }
}
