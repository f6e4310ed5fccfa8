// The conversation as the user saw it: user and assistant messages with their text, in order.
// It outlives connections (reconnects replay it; `start()` after `session_expired` continues it).
// Every change of text is reported once, as a `TranscriptUpdate`, through `onUpdate`.
import type { ConversationItemCreateEvent } from '../protocol/events.js';
import type { ConversationItem, TranscriptUpdate } from './types.js';

type ItemStatus = ConversationItem['status'];

/** Items replayed into a new session are capped so a very long chat cannot make a huge burst. */
export const MAX_REPLAY_ITEMS = 200;

/**
 * The `conversation.item.create` that gives a server an item's text, with its id (so the server's
 * echo is recognised). User text is `input_text`, assistant text `output_text` (GA content types).
 */
export const itemCreateEvent = ({ id, role, text }: ConversationItem) =>
  ({
    type: 'conversation.item.create',
    item: { id, type: 'message', role, content: [{ type: role === 'user' ? 'input_text' : 'output_text', text }] },
  }) satisfies ConversationItemCreateEvent;

export class Conversation {
  /**
   * Frozen items by id, in order (a `Map` keeps insertion order, and replacing a value keeps its
   * place): each is replaced (not copied) on a change, so a snapshot costs one array copy.
   */
  #items = new Map<string, ConversationItem>();
  #snapshot: readonly ConversationItem[] | null = null;
  #onUpdate: (update: TranscriptUpdate) => void;

  constructor(onUpdate: (update: TranscriptUpdate) => void = () => {}) {
    this.#onUpdate = onUpdate;
  }

  /** The items in order, as an immutable snapshot (a new array after every change). */
  get items(): readonly ConversationItem[] {
    return (this.#snapshot ??= Object.freeze([...this.#items.values()]));
  }

  get(id: string): Readonly<ConversationItem> | undefined {
    return this.#items.get(id);
  }

  /** Adds an item unless it exists; new user text is reported as final at once. */
  add(id: string, role: ConversationItem['role'], text = '', status: ItemStatus = 'in_progress'): void {
    if (this.#items.has(id)) return;
    const item = this.#set(id, { id, role, text, status });
    if (text && role === 'user') this.#report(item, text, true);
  }

  /** Appends streamed text to a known item. */
  append(id: string, delta: string | undefined): void {
    const item = this.get(id);
    if (item && delta) this.#report(this.#set(id, { text: item.text + delta }), delta, false);
  }

  /** Sets a known item's final text (the server's, authoritative over the deltas) and status. */
  finish(id: string, text: string | undefined, status: ItemStatus = 'completed'): void {
    const previous = this.get(id)?.text;
    if (previous === undefined) return;
    const item = this.#set(id, { text: text ?? previous, status });
    this.#report(item, item.text.startsWith(previous) ? item.text.slice(previous.length) : item.text, true);
  }

  /** Changes an item's status without touching its text. */
  setStatus(id: string, status: ItemStatus): void {
    const item = this.get(id);
    if (item && item.status !== status) this.#set(id, { status });
  }

  /** Forgets everything (a fresh conversation). */
  clear(): void {
    this.#items.clear();
    this.#snapshot = null;
  }

  /**
   * The events that give a new session the conversation's text, oldest first, without the items
   * of `exclude`. Items without text (unheard audio, failed transcription) are skipped.
   */
  replayEvents(exclude: ReadonlySet<string> = new Set()) {
    return this.items
      .filter((item) => item.text.trim() && !exclude.has(item.id))
      .slice(-MAX_REPLAY_ITEMS)
      .map(itemCreateEvent);
  }

  /** Stores a frozen copy of the item with `change` applied; a known item keeps its place. */
  #set(id: string, change: Partial<ConversationItem>): ConversationItem {
    const item = Object.freeze({ ...this.#items.get(id), ...change }) as ConversationItem;
    this.#items.set(id, item);
    this.#snapshot = null;
    return item;
  }

  #report({ role, id, text }: ConversationItem, delta: string, final: boolean): void {
    this.#onUpdate({ role, itemId: id, text, delta, final });
  }
}
