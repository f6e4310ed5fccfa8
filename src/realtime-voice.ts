import { LitElement, html, css } from 'lit';
import { VERSION } from './version.js';

/** Connection and conversation states, reflected on the `status` attribute. */
export type RealtimeVoiceStatus = 'idle' | 'connecting' | 'listening' | 'thinking' | 'speaking' | 'reconnecting' | 'error';

/**
 * `<realtime-voice>`: an embeddable speech-to-speech support agent.
 *
 * @csspart launcher - The button that opens the agent.
 */
export class RealtimeVoiceElement extends LitElement {
  /** The package version of this definition (lets a second copy on the page tell which won). */
  static readonly version = VERSION;

  static override styles = css`
    :host { display: inline-block; }
  `;

  // Declared without decorators so the npm build needs no tslib helpers.
  static override properties = {
    label: {},
    status: { reflect: true },
  };

  /** The launcher's visible and accessible name. */
  label = 'Talk to us';

  /** Current state; read-only, reflected so hosts can style `:host([status="speaking"])`. */
  status: RealtimeVoiceStatus = 'idle';

  protected override render() {
    return html`<button part="launcher" type="button">${this.label}</button>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'realtime-voice': RealtimeVoiceElement;
  }
}
