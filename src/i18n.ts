// The widget's UI strings. English is complete and the fallback for every key; other tables are
// chosen by the primary subtag of `language`, then of `navigator.language`. Hosts override any
// key through the element's `strings` property. Kept short: every byte here ships in the bundle.

/** Every UI string of the widget; override any subset through the element's `strings` property. */
export interface RealtimeVoiceStrings {
  /** Launcher and panel name (used when `label` is not set). */
  label: string;
  idle: string;
  connecting: string;
  listening: string;
  thinking: string;
  speaking: string;
  reconnecting: string;
  error: string;
  start: string;
  end: string;
  mute: string;
  talk: string;
  close: string;
  send: string;
  /** Accessible name and placeholder of the text box. */
  input: string;
  /** Accessible name of the transcript list. */
  log: string;
  /** Speaker names read before each transcript message. */
  you: string;
  agent: string;
  /** The "autoplay blocked" tap target. */
  audio: string;
  retry: string;
  continue: string;
  /** Error messages, by kind. */
  expired: string;
  denied: string;
  noMic: string;
  offline: string;
  unsupported: string;
  failed: string;
}

const en: RealtimeVoiceStrings = {
  label: 'Talk to us',
  idle: 'Ready',
  connecting: 'Connecting…',
  listening: 'Listening',
  thinking: 'Thinking…',
  speaking: 'Speaking',
  reconnecting: 'Reconnecting…',
  error: 'Error',
  start: 'Start',
  end: 'End',
  mute: 'Mute',
  talk: 'Hold to talk',
  close: 'Close',
  send: 'Send',
  input: 'Type a message',
  log: 'Conversation',
  you: 'You',
  agent: 'Agent',
  audio: 'Tap to enable audio',
  retry: 'Try again',
  continue: 'Continue',
  expired: 'The session has ended.',
  denied: 'Microphone access was denied.',
  noMic: 'No microphone was found.',
  offline: 'Could not connect.',
  unsupported: 'This browser is not supported.',
  failed: 'Something went wrong.',
};

// The other languages: the strings of `en`, in the same order, one line each for the label, the
// statuses, the controls, the speakers and buttons, and the error messages. (`en`: none to translate.)
const tables: Record<string, string[]> = {
  en: [],
  de: [
    'Sprechen Sie mit uns',
    'Bereit', 'Verbinde…', 'Hört zu', 'Denkt nach…', 'Spricht', 'Verbinde erneut…', 'Fehler',
    'Starten', 'Beenden', 'Stumm', 'Zum Sprechen halten', 'Schließen', 'Senden', 'Nachricht eingeben', 'Unterhaltung',
    'Sie', 'Assistent', 'Tippen, um Ton zu aktivieren', 'Erneut versuchen', 'Fortsetzen',
    'Die Sitzung ist beendet.', 'Der Zugriff auf das Mikrofon wurde verweigert.', 'Kein Mikrofon gefunden.', 'Keine Verbindung möglich.', 'Dieser Browser wird nicht unterstützt.', 'Etwas ist schiefgelaufen.',
  ],
  fr: [
    'Parlez-nous',
    'Prêt', 'Connexion…', 'À l’écoute', 'Réflexion…', 'Parle', 'Reconnexion…', 'Erreur',
    'Démarrer', 'Terminer', 'Couper le micro', 'Maintenir pour parler', 'Fermer', 'Envoyer', 'Écrire un message', 'Conversation',
    'Vous', 'Agent', 'Touchez pour activer le son', 'Réessayer', 'Continuer',
    'La session est terminée.', 'L’accès au micro a été refusé.', 'Aucun micro trouvé.', 'Connexion impossible.', 'Ce navigateur n’est pas pris en charge.', 'Une erreur est survenue.',
  ],
};

const primary = (tag: string | undefined) => (tag ?? '').split('-')[0]!.toLowerCase();

/** The UI language for a `language` value: its primary subtag if there is a table, else the browser's, else `en`. */
export function uiLanguage(language?: string): string {
  for (const tag of [language, globalThis.navigator?.language]) if (Object.hasOwn(tables, primary(tag))) return primary(tag);
  return 'en';
}

/**
 * The strings for a UI language (see `uiLanguage`) with `overrides` on top. Override values that
 * are not strings are ignored, so a bad `strings` object cannot blank the UI.
 */
export function resolveStrings(lang = uiLanguage(), overrides?: Partial<RealtimeVoiceStrings> | null): RealtimeVoiceStrings {
  const translated = Object.hasOwn(tables, lang) ? tables[lang]! : [];
  return Object.fromEntries(
    Object.entries(en).map(([key, english], i) => {
      const override = overrides?.[key as keyof RealtimeVoiceStrings];
      return [key, typeof override === 'string' ? override : (translated[i] ?? english)];
    }),
  ) as unknown as RealtimeVoiceStrings;
}
