// The conversation: an ordered list of items, each kept as the JSON the events show plus what the
// events leave out (the audio of an audio content part, and the text the scenario "understood").

/** @typedef {Record<string, any>} Json */

/**
 * @typedef {object} StoredItem
 * @property {Json} item the item as events carry it (never with audio bytes inline)
 * @property {Int16Array[]} audio audio chunks of its audio content part, input or output
 * @property {number} audioSamples total samples in `audio`
 * @property {string} [text] what the scenario takes the item to say (typed text, transcript or
 *   an honest description of unheard audio)
 */

export class Conversation {
  /** @type {string[]} */
  #order = [];
  /** @type {Map<string, StoredItem>} */
  #items = new Map();

  /** Number of items. */
  get size() {
    return this.#order.length;
  }

  /**
   * @param {string} id
   * @returns {boolean}
   */
  has(id) {
    return this.#items.has(id);
  }

  /**
   * @param {string} id
   * @returns {StoredItem | undefined}
   */
  get(id) {
    return this.#items.get(id);
  }

  /** @returns {string | null} the id of the last item, or null when empty */
  lastId() {
    return this.#order[this.#order.length - 1] ?? null;
  }

  /**
   * @param {string} id
   * @returns {string | null} the id of the item before it, or null when it is first
   */
  previousOf(id) {
    const index = this.#order.indexOf(id);
    return index > 0 ? /** @type {string} */ (this.#order[index - 1]) : null;
  }

  /**
   * Inserts an item. `after` undefined appends, `'root'` puts it first, an id puts it after that
   * item (the caller has checked the id exists).
   * @param {StoredItem} stored
   * @param {string} [after]
   * @returns {string | null} the id of the item now before it
   */
  insert(stored, after) {
    const id = /** @type {string} */ (stored.item.id);
    this.#items.set(id, stored);
    if (after === undefined) {
      const previous = this.lastId();
      this.#order.push(id);
      return previous;
    }
    if (after === 'root') {
      this.#order.unshift(id);
      return null;
    }
    this.#order.splice(this.#order.indexOf(after) + 1, 0, id);
    return after;
  }

  /**
   * @param {string} id
   * @returns {boolean} whether it existed
   */
  delete(id) {
    if (!this.#items.delete(id)) return false;
    this.#order.splice(this.#order.indexOf(id), 1);
    return true;
  }

  /** @returns {StoredItem[]} the items in order */
  items() {
    return this.#order.map((id) => /** @type {StoredItem} */ (this.#items.get(id)));
  }
}
