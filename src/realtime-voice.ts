import { html, nothing, type TemplateResult } from 'lit/html.js';
import { ReactiveElement, type PropertyValues } from './element-base.js';
import { VERSION } from './version.js';
import {
  RealtimeVoiceConnectedEvent,
  RealtimeVoiceDisconnectedEvent,
  RealtimeVoiceErrorEvent,
  RealtimeVoiceInterruptedEvent,
  RealtimeVoiceServerEvent,
  RealtimeVoiceStatusEvent,
  RealtimeVoiceToolCallEvent,
  RealtimeVoiceTranscriptEvent,
} from './events.js';
import { RealtimeSession } from './session/session.js';
import { transcriptionLanguage } from './session/session-config.js';
// Bundle order: the element's own converters, strings and styles last, next to the element that
// reads them (with session.ts's audio-first imports, ~65 B less gzip than first).
import { numberIn, oneOf, orDefault } from './converters.js';
import { resolveStrings, uiLanguage, type RealtimeVoiceStrings } from './i18n.js';
import { styles } from './realtime-voice.styles.js';
import type {
  ConversationItem,
  ErrorCode,
  GetToken,
  RealtimeTool,
  SessionCallbacks,
  SessionConfig,
  SessionStatus,
  TurnDetectionMode,
} from './session/types.js';
import type { RealtimeSessionConfig } from './protocol/events.js';

/** Connection and conversation states, reflected on the `status` attribute. */
export type RealtimeVoiceStatus = SessionStatus;

/** What the element needs from a session; `RealtimeSession` is the real one. */
export interface SessionHandle {
  readonly status: SessionStatus;
  readonly conversation: readonly ConversationItem[];
  start(): unknown;
  stop(): void;
  sendText(text: string): void;
  interrupt(): void;
  setMuted(muted: boolean): void;
  pushToTalk(down: boolean): void;
  updateConfig(partial: Partial<SessionConfig>): void;
  resumeAudio(): unknown;
}

/** Creates the session behind an element (a seam for tests and for hosts that wrap the session). */
export type SessionFactory = (config: SessionConfig, callbacks: SessionCallbacks) => SessionHandle;

/** The UI's own properties; every other property (`textInput` too: it lets a call go on without a mic) is passed to the session as it is (same names as in `SessionConfig`). */
const UI_KEYS = ['variant', 'position', 'label', 'transcript', 'muted', 'open', 'strings'];

/** Error code → the strings key of its user-facing message. */
const ERROR_TEXT: Partial<Record<ErrorCode, keyof RealtimeVoiceStrings>> = {
  mic_permission_denied: 'denied',
  mic_unavailable: 'noMic',
  connection_failed: 'offline',
  connection_lost: 'offline',
  token_fetch_failed: 'offline',
  session_expired: 'expired',
  unsupported_browser: 'unsupported',
};

const MIC = html`<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11z" /></svg>`;

/**
 * `<realtime-voice>`: an embeddable speech-to-speech support agent on the OpenAI Realtime API.
 * Put it on a page with `token-url` pointing at your backend; the user clicks the launcher and talks.
 *
 * @tag realtime-voice
 *
 * @fires {RealtimeVoiceStatusEvent} rv-status - The state changed: `{status, previous}`.
 * @fires {RealtimeVoiceConnectedEvent} rv-connected - The session is live: `{sessionId, model}`.
 * @fires {RealtimeVoiceDisconnectedEvent} rv-disconnected - The socket closed: `{code, reason, willReconnect}`.
 * @fires {RealtimeVoiceTranscriptEvent} rv-transcript - User or agent text streamed: `{role, itemId, text, delta, final}`.
 * @fires {RealtimeVoiceToolCallEvent} rv-tool-call - The agent called a tool: `{name, callId, arguments}`; answer with `event.respondWith(value)`, decline with `preventDefault()`.
 * @fires {RealtimeVoiceInterruptedEvent} rv-interrupted - The user barged in: `{itemId, audioEndMs}`.
 * @fires {RealtimeVoiceErrorEvent} rv-error - Something failed: `{code, message, fatal}`.
 * @fires {RealtimeVoiceServerEvent} rv-server-event - Every parsed server event: `{event}`.
 *
 * @csspart launcher - The floating button that opens the panel (and starts the call).
 * @csspart panel - The conversation panel (a dialog when floating, a region when inline).
 * @csspart header - The panel's top row: level, status and close button.
 * @csspart level - The live audio-level indicator; scales with `--_lvl` (0–1).
 * @csspart status - The status text.
 * @csspart close-button - Closes the floating panel (the call continues).
 * @csspart transcript - The list of messages.
 * @csspart message - One transcript message (also `message-user` or `message-assistant`).
 * @csspart message-user - A message the user said or typed.
 * @csspart message-assistant - A message of the agent.
 * @csspart audio-button - "Tap to enable audio", shown when the browser blocked playback.
 * @csspart error - The error message area.
 * @csspart retry-button - Retries (or continues an expired session) after an error.
 * @csspart form - The text box's form.
 * @csspart input - The text box.
 * @csspart send-button - Sends the typed text.
 * @csspart controls - The row of call controls.
 * @csspart mute-button - Mutes the microphone (`aria-pressed`).
 * @csspart talk-button - Push-to-talk: hold to speak.
 * @csspart start-button - Starts a call (shown while idle).
 * @csspart end-button - Ends the call.
 *
 * @cssprop [--realtime-voice-accent=#1d4ed8] - Launcher, primary buttons, user messages, focus ring.
 * @cssprop [--realtime-voice-accent-foreground=#fff] - Text on the accent colour.
 * @cssprop [--realtime-voice-background=#fff] - Panel background (dark scheme: #1c1e21).
 * @cssprop [--realtime-voice-foreground=#1f2328] - Text colour (dark scheme: #eceef1).
 * @cssprop [--realtime-voice-surface=#eef1f4] - Agent message background (dark scheme: #2c3036).
 * @cssprop [--realtime-voice-border=#6e7781] - Borders of the panel and controls (dark scheme: #8b949e).
 * @cssprop [--realtime-voice-error=#b42318] - Error text (dark scheme: #ff8f85).
 * @cssprop [--realtime-voice-radius=12px] - Corner radius of the panel and messages.
 * @cssprop [--realtime-voice-font=system-ui, sans-serif] - Font family.
 * @cssprop [--realtime-voice-z-index=2147483000] - Stacking of the floating launcher and panel.
 * @cssprop [--realtime-voice-offset=20px] - Distance of the floating widget from the viewport edges.
 * @cssprop [--realtime-voice-width=360px] - Width of the floating panel.
 * @cssprop [--realtime-voice-height=480px] - Maximum height of the floating panel.
 * @cssprop [--realtime-voice-shadow=0 6px 24px #0003] - Shadow of the floating launcher and panel.
 */
export class RealtimeVoiceElement extends ReactiveElement {
  /** The package version of this definition (lets a second copy on the page tell which won). */
  static readonly version = VERSION;

  static override styles = styles;

  // Declared without decorators so the npm build needs no tslib helpers; literal, so that the
  // custom-elements manifest (`cem analyze --litelement`) documents every attribute.
  static override properties = {
    tokenUrl: { attribute: 'token-url' },
    getToken: { attribute: false },
    url: { converter: orDefault('wss://api.openai.com/v1/realtime') },
    model: { converter: orDefault('gpt-realtime') },
    voice: { converter: orDefault('marin') },
    instructions: {},
    greeting: {},
    turnDetection: { attribute: 'turn-detection', converter: oneOf('turn-detection', 'server_vad semantic_vad manual') },
    vadThreshold: { attribute: 'vad-threshold', converter: numberIn('vad-threshold', 0, 1) },
    vadSilenceMs: { attribute: 'vad-silence-ms', converter: numberIn('vad-silence-ms', 0, 60000, undefined, true) },
    vadPrefixMs: { attribute: 'vad-prefix-ms', converter: numberIn('vad-prefix-ms', 0, 60000, undefined, true) },
    eagerness: { converter: oneOf('eagerness', 'low medium high auto', true) },
    transcriptionModel: { attribute: 'transcription-model', converter: orDefault('gpt-4o-mini-transcribe') },
    language: {},
    noiseReduction: { attribute: 'noise-reduction', converter: oneOf('noise-reduction', 'near_field far_field none', true) },
    pushToTalk: { attribute: 'push-to-talk', type: Boolean },
    variant: { converter: oneOf('variant', 'floating inline') },
    position: { converter: oneOf('position', 'bottom-right bottom-left top-right top-left') },
    label: {},
    transcript: { type: Boolean },
    textInput: { attribute: 'text-input', type: Boolean },
    muted: { type: Boolean, reflect: true },
    open: { type: Boolean, reflect: true },
    workletUrl: { attribute: 'worklet-url' },
    reconnectAttempts: { attribute: 'reconnect-attempts', converter: numberIn('reconnect-attempts', 0, 100, 5, true) },
    debug: { type: Boolean },
    tools: { attribute: false },
    session: { attribute: false },
    strings: { attribute: false },
  };

  /** Host-backend endpoint that returns a short-lived credential (POSTed, same-origin credentials). */
  tokenUrl?: string;

  /** Token-fetch hook, called for every (re)connect; wins over `token-url`. */
  getToken?: GetToken;

  /** Realtime endpoint; `?model=` is appended. */
  url = 'wss://api.openai.com/v1/realtime';

  /** Realtime model. */
  model = 'gpt-realtime';

  /** Output voice. */
  voice = 'marin';

  /** System instructions, sent in `session.update` only when set. */
  instructions?: string;

  /** When set, the agent speaks first after connecting. */
  greeting?: string;

  /** How turns end: `server_vad`, `semantic_vad` or `manual` (which shows the talk button, as `push-to-talk` does). */
  turnDetection: TurnDetectionMode = 'server_vad';

  /** Server VAD activation threshold (0–1). */
  vadThreshold?: number;

  /** Server VAD: milliseconds of silence that end a turn. */
  vadSilenceMs?: number;

  /** Server VAD: milliseconds of audio kept before detected speech. */
  vadPrefixMs?: number;

  /** Semantic VAD eagerness: `low`, `medium`, `high` or `auto`. */
  eagerness?: 'low' | 'medium' | 'high' | 'auto';

  /** User-speech transcription model; `none` disables transcription. */
  transcriptionModel = 'gpt-4o-mini-transcribe';

  /** BCP 47 language: transcription hint and UI language (default: `navigator.language`). */
  language?: string;

  /** Input noise reduction: `near_field`, `far_field` or `none`. */
  noiseReduction?: 'near_field' | 'far_field' | 'none';

  /** Hold the talk button (or Space) to talk; turns are manual. */
  pushToTalk = false;

  /** `floating` (launcher in a page corner) or `inline` (in the flow). */
  variant: 'floating' | 'inline' = 'floating';

  /** Corner of the floating launcher. */
  position: 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left' = 'bottom-right';

  /** The launcher's visible and accessible name (default: the localised "Talk to us"). */
  label?: string;

  /** Shows the live transcript. */
  transcript = false;

  /** Shows a text box; typed text is a turn (and interrupts the agent). With it, a refused or missing microphone leaves a typed call instead of ending it. */
  textInput = false;

  /** Microphone muted; reflected. */
  muted = false;

  /** Whether the floating panel is open; reflected. Setting it does not start a call. */
  open = false;

  /** Base URL of the worklet files, for hosts whose CSP forbids `blob:` scripts. */
  workletUrl?: string;

  /** Automatic reconnection attempts after an abnormal close; 0 disables. */
  reconnectAttempts = 5;

  /** Verbose console diagnostics (never prints credentials). */
  debug = false;

  /** Function tools offered to the agent: `{name, description, parameters, handler?}`. */
  tools: RealtimeTool[] = [];

  /** Deep-merged into every `session.update` (escape hatch for any GA session field). */
  session?: Partial<RealtimeSessionConfig>;

  /** Overrides of the UI strings (any subset), on top of the table for `language`. */
  strings?: Partial<RealtimeVoiceStrings>;

  /** Creates the session; tests and wrappers replace it. */
  protected sessionFactory: SessionFactory = (config, callbacks) => new RealtimeSession(config, callbacks);

  #session?: SessionHandle;
  #status: SessionStatus = 'idle';
  #error?: ErrorCode;
  #audioBlocked = false;
  #talking = false;
  #said = '';
  /** The level painted, in twentieths (−1: none since the last render). */
  #painted = -1;
  /** When the level was last looked at (every 50 ms at most). */
  #sampledAt = 0;
  #follow = true;
  #scroll = 0;
  /** Where the transcript was last scrolled to its end: its own scroll event must not stop the following. */
  #top!: number;
  #s!: RealtimeVoiceStrings;
  #lang!: string;
  /** Whether focus was inside the shadow root when the current update began. */
  #focused?: boolean;

  /**
   * Current state, reflected as the `status` attribute so hosts can style `realtime-voice[status="speaking"]`.
   * Read-only: `idle` `connecting` `listening` `thinking` `speaking` `reconnecting` `error`.
   * @attr status
   */
  get status(): RealtimeVoiceStatus {
    return this.#status;
  }

  /** The conversation so far, `{id, role, text, status}` per item, in order. Read-only (a copy). */
  get conversation(): ConversationItem[] {
    return [...(this.#session?.conversation ?? [])];
  }

  /** Connects and opens the microphone. Call it from a user gesture so audio may start. */
  async start(): Promise<void> {
    this.#error = undefined;
    this.requestUpdate();
    // The session is started synchronously (no await before it) so it can resume its AudioContext
    // inside the user's gesture. It reports failures through callbacks (`rv-error`) and never
    // rejects; anything thrown here is a bug worth a console line, not an unhandled rejection.
    try {
      this.#session ??= this.sessionFactory(this.#config(), this.#callbacks);
      await this.#session.start();
    } catch (e) {
      console.error('[realtime-voice]', e);
    }
  }

  /** Ends the call: releases the microphone, audio, socket and timers. */
  stop(): void {
    this.#ptt(false);
    this.#session?.stop();
  }

  /** Sends a typed user turn (interrupting the agent); starts a call first when none is active. */
  sendText(text: string): void {
    const t = String(text ?? '').trim();
    if (!t) return;
    if (!this.#active()) void this.start();
    // Properties set in the same task (`el.tools = …; el.sendText(…)`) reach the session in the
    // next update, after this turn: hand them over first so the reply can use them.
    else if (this.isUpdatePending) this.#session?.updateConfig(this.#config());
    this.#session?.sendText(t);
  }

  /** Cuts the agent off mid-reply. */
  interrupt(): void {
    this.#session?.interrupt();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.setAttribute('status', this.#status);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    cancelAnimationFrame(this.#scroll);
    this.#scroll = 0;
    // A move (remove + insert in one task) keeps the call; a removal ends it and frees everything.
    queueMicrotask(() => {
      if (!this.isConnected) this.stop();
    });
  }

  protected override willUpdate(): void {
    this.#lang = uiLanguage(this.language);
    this.#s = resolveStrings(this.#lang, this.strings);
    this.#focused = !!this.renderRoot.activeElement;
  }

  protected override updated(changed: PropertyValues): void {
    // The render removed the control that had focus ("Try again", "Tap to enable audio", Mute when
    // the call ends): keep focus in the widget, or a keyboard user starts again from the page's top.
    if (this.#focused && !this.renderRoot.activeElement) (this.#find('.p') ?? this.#find('.l'))?.focus();
    // Follow new messages unless the user scrolled up to read: once per frame, in the frame's own
    // layout (measuring around every update forced two layouts per streamed word).
    if (this.#showsTranscript()) {
      this.#scroll ||= requestAnimationFrame(() => {
        this.#scroll = 0;
        const t = this.#find('ol');
        if (t && this.#follow) {
          t.scrollTop = t.scrollHeight;
          this.#top = t.scrollTop;
        }
      });
    }
    const session = this.#session;
    if (!session) return;
    if (changed.has('muted')) session.setMuted(this.muted);
    const keys = CONFIG_KEYS.filter((k) => changed.has(k));
    if (keys.length) session.updateConfig(this.#fields(keys));
  }

  protected override render(): TemplateResult {
    const s = this.#s;
    this.#painted = -1; // a level part this render adds gets the next level
    const floating = this.variant !== 'inline';
    const label = this.label || s.label;
    const audio = this.#audioBlocked ? html`<button part="audio-button" class="a" @click=${this.#resume}>${s.audio}</button>` : nothing;
    const launcher = html`<button part="launcher" class="l a" aria-expanded=${this.open} aria-controls=${this.open ? 'panel' : nothing}
      @click=${this.#toggle}>${MIC}<span>${label}</span></button>`;
    return html`<div class=${floating ? `w f ${this.position}` : 'w'} lang=${this.#lang} @keydown=${this.#key} @keyup=${this.#key}>
      ${floating ? launcher : nothing}
      ${!floating || this.open ? this.#panel(s, label, floating, audio) : audio}
    </div>`;
  }

  #panel(s: RealtimeVoiceStrings, label: string, floating: boolean, audio: unknown) {
    const active = this.#active();
    const error = this.#error;
    // What was said is in the conversation's language (`language`, its primary subtag), which may
    // have no UI strings: screen readers must not read it with the UI's voice, nor the speaker
    // names with its.
    const said = transcriptionLanguage(this.language) ?? nothing;
    const message = ({ role, text }: ConversationItem) =>
      text
        ? html`<li part="message message-${role}" class=${role} lang=${said}><span class="sr" lang=${this.#lang}>${role === 'user' ? s.you : s.agent}: </span>${text}</li>`
        : nothing;
    const transcript = html`<ol part="transcript" aria-label=${s.log} tabindex="0" @scroll=${this.#onScroll}>${this.#session?.conversation.map(message)}</ol>
      <div class="sr" aria-live="polite" lang=${said}>${this.#said}</div>`;
    const retry = html`<button part="retry-button" class="a" @click=${this.start}>${error === 'session_expired' ? s.continue : s.retry}</button>`;
    const form = html`<form part="form" @submit=${this.#submit}>
      <input part="input" aria-label=${s.input} placeholder=${s.input} autocomplete="off" enterkeyhint="send" />
      <button part="send-button">${s.send}</button>
    </form>`;
    const up = this.#up;
    const talk = html`<button part="talk-button" aria-pressed=${this.#talking} @pointerdown=${this.#down}
      @pointerup=${up} @pointercancel=${up} @pointerleave=${up} @blur=${up}>${s.talk}</button>`;
    return html`<section id="panel" part="panel" class="p" role=${floating ? 'dialog' : 'region'} aria-label=${label} tabindex="-1">
      <div part="header" class="h">
        <span part="level" class="lv"></span>
        <span part="status" class="st">${s[this.#status]}</span>
        ${floating ? html`<button part="close-button" class="x" aria-label=${s.close} @click=${this.#close}>✕</button>` : nothing}
      </div>
      ${this.#showsTranscript() ? transcript : nothing}
      ${audio}
      ${error ? html`<div part="error" class="e" role="alert">${s[ERROR_TEXT[error] ?? 'failed']} ${active ? nothing : retry}</div>` : nothing}
      ${this.textInput ? form : nothing}
      <div part="controls" class="c">
        ${active ? html`<button part="mute-button" aria-pressed=${this.muted} @click=${this.#mute}>${s.mute}</button>` : nothing}
        ${active && (this.pushToTalk || this.turnDetection === 'manual') ? talk : nothing}
        <button part=${active ? 'end-button' : 'start-button'} class=${active ? '' : 'a'} @click=${active ? this.stop : this.start}>${active ? s.end : s.start}</button>
      </div>
    </section>`;
  }

  /** `transcript`, or a `text-input` call gone on typed and silent without a microphone (the replies show there only). */
  #showsTranscript() {
    return this.transcript || (this.textInput && !!this.#error?.startsWith('mic_'));
  }

  #active() {
    return this.#status !== 'idle' && this.#status !== 'error';
  }

  #config(): SessionConfig {
    return { ...this.#fields(CONFIG_KEYS), muted: this.muted } as SessionConfig;
  }

  /** Session fields as the session takes them: `tools` unset by a framework binding (`undefined`, `null`) is no tools. */
  #fields(keys: typeof CONFIG_KEYS): Partial<SessionConfig> {
    return Object.fromEntries(keys.map((k) => [k, k === 'tools' ? this.tools || [] : this[k]]));
  }

  #find(selector: string) {
    return this.renderRoot.querySelector<HTMLElement>(selector);
  }

  async #toggle() {
    if (this.open) return this.#close();
    // A panel opened again shows the latest messages, wherever the user had scrolled before closing it.
    this.open = this.#follow = true;
    // Start inside the click (the user gesture) so audio is allowed to play.
    if (!this.#active()) void this.start();
    await this.updateComplete;
    this.#find('.p')?.focus();
  }

  async #close() {
    this.#ptt(false);
    this.open = false;
    await this.updateComplete;
    this.#find('.l')?.focus();
  }

  #key(e: KeyboardEvent) {
    if (e.key === 'Escape' && e.type === 'keydown' && this.open && this.variant !== 'inline') {
      e.preventDefault();
      void this.#close();
    } else if (e.key === ' ' && this.#find('[part=talk-button]')) {
      // Space holds the talk button when it, or the panel itself, has focus; not in the text box.
      const target = e.composedPath()[0] as HTMLElement;
      if (target.matches('.p, [part=talk-button]')) {
        e.preventDefault();
        if (!e.repeat) this.#ptt(e.type === 'keydown');
      }
    }
  }

  #down(e: PointerEvent) {
    if (e.button === 0) this.#ptt(true);
  }

  #up = () => this.#ptt(false);

  #ptt(down: boolean) {
    if (down === this.#talking) return;
    this.#talking = down;
    this.#session?.pushToTalk(down);
    this.requestUpdate();
  }

  #onScroll(e: Event) {
    const t = e.target as HTMLElement;
    // That event comes a frame later, maybe after more text: only a move up from there is the user's.
    this.#follow = t.scrollTop >= this.#top || t.scrollHeight - t.scrollTop - t.clientHeight < 24;
  }

  #mute() {
    this.muted = !this.muted;
  }

  #resume() {
    void Promise.resolve(this.#session?.resumeAudio()).catch(() => {});
  }

  #submit(e: SubmitEvent) {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).querySelector('input')!;
    this.sendText(input.value);
    input.value = '';
  }

  /** A callback that dispatches its argument as the detail of a `Type` event. */
  #fire =
    <D>(Type: new (detail: D) => Event) =>
    (detail: D) =>
      void this.dispatchEvent(new Type(detail));

  // One object per element: every callback closes over this instance only.
  #callbacks: SessionCallbacks = {
    status: (status, previous) => {
      this.#status = status;
      this.setAttribute('status', status);
      if (status === 'connecting') this.#error = undefined;
      if (status === 'idle' || status === 'error') {
        this.#talking = false;
        this.#callbacks.level({ input: 0, output: 0 });
      }
      this.requestUpdate();
      this.#fire(RealtimeVoiceStatusEvent)({ status, previous });
    },
    connected: this.#fire(RealtimeVoiceConnectedEvent),
    disconnected: this.#fire(RealtimeVoiceDisconnectedEvent),
    transcript: (update) => {
      // The same reply twice ("Sorry, I didn't catch that.") must change the live region to be
      // announced again: a zero-width space tells them apart, and screen readers do not say it.
      if (update.final && update.role === 'assistant') this.#said = update.text + (update.text === this.#said ? '\u200b' : '');
      this.requestUpdate();
      this.#fire(RealtimeVoiceTranscriptEvent)(update);
    },
    toolCall: (request) => {
      const event = new RealtimeVoiceToolCallEvent(request);
      this.dispatchEvent(event);
      // No answer (nobody listened, or `preventDefault()` declined): the session answers the
      // agent with an error output, so the model never waits.
      return event.response;
    },
    interrupted: this.#fire(RealtimeVoiceInterruptedEvent),
    error: ({ code, message, fatal }) => {
      // A lost microphone is worth saying even when the call goes on (typed, with `text-input`).
      if (fatal || code.startsWith('mic_')) {
        this.#error = code;
        this.requestUpdate();
      }
      this.#fire(RealtimeVoiceErrorEvent)({ code, message, fatal });
    },
    serverEvent: (event) => this.#fire(RealtimeVoiceServerEvent)({ event }),
    level: ({ input, output }) => {
      // Levels come with every 20 ms microphone frame, and each repaint of the meter is a whole
      // rendering frame: the meter was most of the widget's main-thread time (BENCHMARKS.md
      // figure 7). So the level is looked at 20 times a second at most, in the frame's own task
      // rather than a timer's; painted in twentieths, and only on a move of two or more (flicker
      // the eye cannot follow, such as a noise floor between two steps, would still cost a frame
      // each); silence (zero) at once, so the meter always comes to rest; no CSS transition,
      // which would keep the page rendering every frame; and on the two elements that show it
      // rather than an ancestor, where an inherited custom property would restyle the transcript.
      const step = Math.round(Math.min(1, Math.max(0, input || 0, output || 0)) * 20);
      const now = performance.now();
      const painted = this.#painted;
      if (step && now - this.#sampledAt < 50) return;
      this.#sampledAt = now;
      if (step === painted || (step && painted >= 0 && Math.abs(step - painted) < 2)) return;
      this.#painted = step;
      for (const el of this.renderRoot.querySelectorAll<HTMLElement>('.l,.lv')) el.style.setProperty('--_lvl', (step / 20).toFixed(2));
    },
    audioBlocked: (blocked) => {
      this.#audioBlocked = blocked;
      this.requestUpdate();
    },
  };
}

const CONFIG_KEYS = Object.keys(RealtimeVoiceElement.properties).filter((key) => !UI_KEYS.includes(key)) as (keyof SessionConfig &
  keyof RealtimeVoiceElement)[];

declare global {
  interface HTMLElementTagNameMap {
    'realtime-voice': RealtimeVoiceElement;
  }
}
