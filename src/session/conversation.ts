// The conversation as the user saw it: user and assistant messages with their text, in order.
// It outlives connections (reconnects replay it; `start()` after `session_expired` continues it).
import type { ConversationItemCreateEvent } from '../protocol/events.js';
import type { ConversationItem, TranscriptUpdate } from './types.js';

type Role = ConversationItem['role'];
type ItemStatus = ConversationItem['status'];

/** Items replayed into a new session are capped so a very long chat cannot make a huge burst. */
export const MAX_REPLAY_ITEMS = 200;

export class Conversation {
  #items: ConversationItem[] = [];
  #byId = new Map<string, ConversationItem>();
  #snapshot: readonly ConversationItem[] | null = null;

  /** The items in order, as an immutable snapshot (a new array after every change). */
  get items(): readonly ConversationItem[] {
    this.#snapshot ??= Object.freeze(this.#items.map((item) => Object.freeze({ ...item })));
    return this.#snapshot;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get(id: string): Readonly<ConversationItem> | undefined {
    return this.#byId.get(id);
  }

  /** The last item, if any. */
  get last(): Readonly<ConversationItem> | undefined {
    return this.#items[this.#items.length - 1];
  }

  /** Adds an item unless it exists; returns whether it was added. */
  add(id: string, role: Role, text = '', status: ItemStatus = 'in_progress'): boolean {
    if (this.#byId.has(id)) return false;
    const item: ConversationItem = { id, role, text, status };
    this.#items.push(item);
    this.#byId.set(id, item);
    this.#snapshot = null;
    return true;
  }

  /** Appends streamed text; returns the update to report, or `null` for an unknown item. */
  append(id: string, delta: string): TranscriptUpdate | null {
    const item = this.#byId.get(id);
    if (!item || delta === '') return null;
    item.text += delta;
    this.#snapshot = null;
    return { role: item.role, itemId: id, text: item.text, delta, final: false };
  }

  /**
   * Sets the final text (the server's `transcript`/`text`, authoritative over the deltas);
   * returns the final update, or `null` for an unknown item.
   */
  finish(id: string, text: string | undefined, status: ItemStatus = 'completed'): TranscriptUpdate | null {
    const item = this.#byId.get(id);
    if (!item) return null;
    const previous = item.text;
    if (typeof text === 'string') item.text = text;
    item.status = status;
    this.#snapshot = null;
    const delta = item.text.startsWith(previous) ? item.text.slice(previous.length) : item.text;
    return { role: item.role, itemId: id, text: item.text, delta, final: true };
  }

  /** Changes an item's status without touching its text. */
  setStatus(id: string, status: ItemStatus): void {
    const item = this.#byId.get(id);
    if (!item || item.status === status) return;
    item.status = status;
    this.#snapshot = null;
  }

  /** Forgets everything (a fresh conversation). */
  clear(): void {
    this.#items = [];
    this.#byId.clear();
    this.#snapshot = null;
  }

  /**
   * `conversation.item.create` events that give a new session the conversation's text, oldest
   * first, keeping the original ids so the server's echoes are recognised. User text becomes
   * `input_text`, assistant text `output_text` (the GA content types; beta's `text` is refused).
   * Items without text (unheard audio, failed transcription) are skipped.
   */
  replayEvents(exclude: ReadonlySet<string> = new Set()): ConversationItemCreateEvent[] {
    const withText = this.#items.filter((item) => item.text.trim() !== '' && !exclude.has(item.id));
    return withText.slice(-MAX_REPLAY_ITEMS).map((item) => ({
      type: 'conversation.item.create',
      item: {
        id: item.id,
        type: 'message',
        role: item.role,
        content: [{ type: item.role === 'user' ? 'input_text' : 'output_text', text: item.text }],
      },
    }));
  }
}
