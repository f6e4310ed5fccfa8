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

const tables: Record<string, RealtimeVoiceStrings> = {
  en,
  de: {
    label: 'Sprechen Sie mit uns',
    idle: 'Bereit',
    connecting: 'Verbinde…',
    listening: 'Hört zu',
    thinking: 'Denkt nach…',
    speaking: 'Spricht',
    reconnecting: 'Verbinde erneut…',
    error: 'Fehler',
    start: 'Starten',
    end: 'Beenden',
    mute: 'Stumm',
    talk: 'Zum Sprechen halten',
    close: 'Schließen',
    send: 'Senden',
    input: 'Nachricht eingeben',
    log: 'Unterhaltung',
    you: 'Sie',
    agent: 'Assistent',
    audio: 'Tippen, um Ton zu aktivieren',
    retry: 'Erneut versuchen',
    continue: 'Fortsetzen',
    expired: 'Die Sitzung ist beendet.',
    denied: 'Der Zugriff auf das Mikrofon wurde verweigert.',
    noMic: 'Kein Mikrofon gefunden.',
    offline: 'Keine Verbindung möglich.',
    unsupported: 'Dieser Browser wird nicht unterstützt.',
    failed: 'Etwas ist schiefgelaufen.',
  },
  fr: {
    label: 'Parlez-nous',
    idle: 'Prêt',
    connecting: 'Connexion…',
    listening: 'À l’écoute',
    thinking: 'Réflexion…',
    speaking: 'Parle',
    reconnecting: 'Reconnexion…',
    error: 'Erreur',
    start: 'Démarrer',
    end: 'Terminer',
    mute: 'Couper le micro',
    talk: 'Maintenir pour parler',
    close: 'Fermer',
    send: 'Envoyer',
    input: 'Écrire un message',
    log: 'Conversation',
    you: 'Vous',
    agent: 'Agent',
    audio: 'Touchez pour activer le son',
    retry: 'Réessayer',
    continue: 'Continuer',
    expired: 'La session est terminée.',
    denied: 'L’accès au micro a été refusé.',
    noMic: 'Aucun micro trouvé.',
    offline: 'Connexion impossible.',
    unsupported: 'Ce navigateur n’est pas pris en charge.',
    failed: 'Une erreur est survenue.',
  },
  es: {
    label: 'Habla con nosotros',
    idle: 'Listo',
    connecting: 'Conectando…',
    listening: 'Escuchando',
    thinking: 'Pensando…',
    speaking: 'Hablando',
    reconnecting: 'Reconectando…',
    error: 'Error',
    start: 'Iniciar',
    end: 'Finalizar',
    mute: 'Silenciar',
    talk: 'Mantén pulsado para hablar',
    close: 'Cerrar',
    send: 'Enviar',
    input: 'Escribe un mensaje',
    log: 'Conversación',
    you: 'Tú',
    agent: 'Agente',
    audio: 'Toca para activar el audio',
    retry: 'Reintentar',
    continue: 'Continuar',
    expired: 'La sesión ha terminado.',
    denied: 'Se denegó el acceso al micrófono.',
    noMic: 'No se encontró ningún micrófono.',
    offline: 'No se pudo conectar.',
    unsupported: 'Este navegador no es compatible.',
    failed: 'Algo salió mal.',
  },
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
  const s = { ...(tables[lang] ?? en) };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (typeof v === 'string' && Object.hasOwn(en, k)) s[k as keyof RealtimeVoiceStrings] = v;
  }
  return s;
}
