// What the local server "says": a scenario scripts transcripts and replies for deterministic
// tests, and whatever it leaves open is answered by a small built-in support agent of a fictional
// shop, Northwind Outfitters. It greets, answers typed and spoken turns, calls an order-lookup
// tool when an order number (4+ digits) comes up and the session has such a tool, and speaks the
// tool's result. It is a script, not a model; it says so when it cannot understand audio.

/** @typedef {Record<string, any>} Json */
/** @typedef {import('./response.js').PlannedOutput} PlannedOutput */

/**
 * A reply a scenario scripts. `text` is said (or written, in text mode). `toolCall` makes the
 * agent call a function instead: it is called only if the session (or response) declares a
 * function of that name, after first saying `toolCall.say` when given; otherwise `text` (or an
 * honest "I have no tool for that") is said.
 * @typedef {object} ScriptedReply
 * @property {string} [text]
 * @property {{name: string, arguments?: Json | string, say?: string}} [toolCall]
 */

/**
 * The `scenario` option of `createRealtimeServer` and the argument of `control('scenario', …)`.
 * Every field is optional; queues are consumed per session, in order, and when one runs out the
 * built-in agent takes over. A JSON-only subset (everything but `reply`) works across the
 * web-test-runner bridge.
 * @typedef {object} Scenario
 * @property {string} [greeting] said when a response is requested before any user turn
 * @property {Array<string | null>} [transcripts] one per spoken (committed audio) user turn: the
 *   transcript the server "heard"; `null` makes that turn's transcription fail
 *   (`conversation.item.input_audio_transcription.failed`). Once exhausted, the transcript is an
 *   honest description such as `[speech, 1.8 s]`.
 * @property {Array<string | ScriptedReply>} [replies] one per response to a user turn (typed or spoken)
 * @property {string[]} [toolReplies] one per response that follows a `function_call_output`
 * @property {string} [fallback] said when the built-in agent has nothing better
 * @property {number} [latencyMs] delay before a response's first output (default 200)
 * @property {number} [speedup] audio streams this many times faster than real time (default 4)
 * @property {number} [transcriptionDelayMs] delay before user transcription events (default 120)
 * @property {(context: ReplyContext) => string | ScriptedReply | null | undefined} [reply] Node-only
 *   hook, asked first for every response; return nothing to fall through
 */

/**
 * What a response is replying to.
 * @typedef {object} ReplyContext
 * @property {'greeting' | 'user' | 'tool_output' | 'other'} kind `greeting`: no user turn yet;
 *   `user`: the last item is a user message; `tool_output`: it is a function_call_output
 * @property {string} text the user's words (typed, transcript, or `[speech, 1.8 s]`), or the tool output
 * @property {string} [toolName] for `tool_output`: the function that was called
 * @property {Json} [toolArguments] for `tool_output`: its parsed arguments
 * @property {Json[]} tools the functions this response may call
 * @property {string | Json} toolChoice
 * @property {string} instructions the session's instructions
 * @property {string} [responseInstructions] instructions given in this `response.create`
 * @property {number} turn the number of user turns so far
 */

const SCENARIO_KEYS = ['greeting', 'transcripts', 'replies', 'toolReplies', 'fallback', 'latencyMs', 'speedup', 'transcriptionDelayMs', 'reply'];

/**
 * Checks a scenario's shape (it often arrives as JSON from a browser test) and copies it.
 * @param {unknown} input
 * @returns {Scenario}
 */
export function normalizeScenario(input) {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new TypeError('scenario must be an object');
  const s = /** @type {Json} */ (input);
  for (const key of Object.keys(s)) if (!SCENARIO_KEYS.includes(key)) throw new TypeError(`unknown scenario field: ${key}`);
  /** @type {(key: string) => void} */
  const optionalString = (key) => {
    if (s[key] !== undefined && typeof s[key] !== 'string') throw new TypeError(`scenario.${key} must be a string`);
  };
  /** @type {(key: string) => void} */
  const optionalNumber = (key) => {
    if (s[key] !== undefined && (typeof s[key] !== 'number' || !(s[key] >= 0))) throw new TypeError(`scenario.${key} must be a number >= 0`);
  };
  optionalString('greeting');
  optionalString('fallback');
  optionalNumber('latencyMs');
  optionalNumber('speedup');
  optionalNumber('transcriptionDelayMs');
  if (s.transcripts !== undefined && (!Array.isArray(s.transcripts) || !s.transcripts.every((t) => t === null || typeof t === 'string'))) {
    throw new TypeError('scenario.transcripts must be an array of strings (or null)');
  }
  if (s.toolReplies !== undefined && (!Array.isArray(s.toolReplies) || !s.toolReplies.every((t) => typeof t === 'string'))) {
    throw new TypeError('scenario.toolReplies must be an array of strings');
  }
  if (s.replies !== undefined) {
    if (!Array.isArray(s.replies)) throw new TypeError('scenario.replies must be an array');
    for (const r of s.replies) {
      if (typeof r === 'string') continue;
      if (!r || typeof r !== 'object') throw new TypeError('scenario.replies entries must be strings or {text, toolCall}');
      if (r.text !== undefined && typeof r.text !== 'string') throw new TypeError('scenario reply text must be a string');
      if (r.toolCall !== undefined && (typeof r.toolCall !== 'object' || typeof r.toolCall?.name !== 'string')) {
        throw new TypeError('scenario reply toolCall needs a name');
      }
    }
  }
  if (s.reply !== undefined && typeof s.reply !== 'function') throw new TypeError('scenario.reply must be a function');
  /** @type {Scenario} */
  const copy = { ...s };
  if (s.transcripts) copy.transcripts = [...s.transcripts];
  if (s.replies) copy.replies = structuredClone(s.replies);
  if (s.toolReplies) copy.toolReplies = [...s.toolReplies];
  return copy;
}

/**
 * A JSON view of a scenario (the `reply` hook shows as `"[function]"`).
 * @param {Scenario} scenario
 * @returns {Json}
 */
export function scenarioJson(scenario) {
  const { reply, ...rest } = scenario;
  return reply ? { ...structuredClone(rest), reply: '[function]' } : structuredClone(rest);
}

/**
 * A session's position in the scenario's queues. When the server's scenario is replaced
 * (`control('scenario')`), every session starts its queues over.
 */
export class ScenarioCursor {
  #version = -1;
  #transcripts = 0;
  #replies = 0;
  #toolReplies = 0;

  /** @param {number} version */
  #sync(version) {
    if (version === this.#version) return;
    this.#version = version;
    this.#transcripts = 0;
    this.#replies = 0;
    this.#toolReplies = 0;
  }

  /**
   * @param {Scenario} scenario
   * @param {number} version
   * @returns {string | null | undefined} a scripted transcript, null for "transcription fails",
   *   undefined when none is scripted
   */
  nextTranscript(scenario, version) {
    this.#sync(version);
    const list = scenario.transcripts ?? [];
    return this.#transcripts < list.length ? list[this.#transcripts++] : undefined;
  }

  /**
   * @param {Scenario} scenario
   * @param {number} version
   * @returns {string | ScriptedReply | undefined}
   */
  nextReply(scenario, version) {
    this.#sync(version);
    const list = scenario.replies ?? [];
    return this.#replies < list.length ? list[this.#replies++] : undefined;
  }

  /**
   * @param {Scenario} scenario
   * @param {number} version
   * @returns {string | undefined}
   */
  nextToolReply(scenario, version) {
    this.#sync(version);
    const list = scenario.toolReplies ?? [];
    return this.#toolReplies < list.length ? list[this.#toolReplies++] : undefined;
  }
}

/**
 * Decides what a response contains.
 * @param {ReplyContext} context
 * @param {Scenario} scenario
 * @param {ScenarioCursor} cursor
 * @param {number} version the scenario's version (see ScenarioCursor)
 * @returns {PlannedOutput[]}
 */
export function planReply(context, scenario, cursor, version) {
  // An explicit `response.create` instruction that quotes what to say wins, so that a client's
  // scripted greeting ("Say exactly: \"Welcome back!\"") works without a scenario.
  const quoted = context.responseInstructions?.match(/["“]([^"”]{1,600})["”]/);
  if (quoted?.[1]) return [{ kind: 'message', text: quoted[1] }];
  const hooked = scenario.reply?.(context);
  if (hooked) return toOutputs(hooked, context);
  if (context.kind === 'user') {
    const scripted = cursor.nextReply(scenario, version);
    if (scripted !== undefined) return toOutputs(scripted, context);
  } else if (context.kind === 'tool_output') {
    const scripted = cursor.nextToolReply(scenario, version);
    if (scripted !== undefined) return toOutputs(scripted, context);
  } else if (context.kind === 'greeting' && scenario.greeting) {
    return toOutputs(scenario.greeting, context);
  }
  return toOutputs(northwind(context, scenario), context);
}

/**
 * @param {string | ScriptedReply} reply
 * @param {ReplyContext} context
 * @returns {PlannedOutput[]}
 */
function toOutputs(reply, context) {
  if (typeof reply === 'string') return [{ kind: 'message', text: reply }];
  /** @type {PlannedOutput[]} */
  const outputs = [];
  const call = reply.toolCall;
  if (call) {
    const tool = context.toolChoice === 'none' ? undefined : context.tools.find((t) => t.name === call.name);
    if (tool) {
      if (call.say) outputs.push({ kind: 'message', text: call.say });
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {});
      outputs.push({ kind: 'function_call', name: call.name, arguments: args });
      return outputs;
    }
    if (!reply.text) return [{ kind: 'message', text: `I'd use ${call.name} for that, but I don't have that tool right now.` }];
  }
  return [{ kind: 'message', text: reply.text ?? '' }];
}

// ---------------------------------------------------------------------------------------------
// The built-in agent.

const GREETING =
  'Hi, thanks for contacting Northwind Outfitters! I can help with orders, returns, shipping and sizing. How can I help you today?';

/** @type {Array<[RegExp, string]>} */
const TOPICS = [
  [/\b(return|returns|refund|exchange)/i, 'You can return unworn items within 30 days for a full refund. Start a return from your order page and we will email you a free shipping label.'],
  [/\b(ship|shipping|deliver|delivery|arrive)/i, 'Standard shipping takes three to five business days and is free on orders over fifty dollars. Express shipping arrives in one to two days.'],
  [/\b(size|sizes|sizing|fit|fits)\b/i, 'Our sizes run true to fit. Each product page has a size chart, and exchanges for a different size are free.'],
  [/\b(hours|open|opening|closed?)\b/i, 'Our support team is available every day from 8 AM to 8 PM Eastern time.'],
  [/\b(human|person|someone|agent|representative)\b/i, 'I can connect you with someone on our team. Use the Contact us page and a colleague will get back to you within a day.'],
  [/\b(thanks|thank you|thank)\b/i, "You're welcome! Is there anything else I can help you with?"],
  [/\b(bye|goodbye|good bye)\b/i, 'Thanks for contacting Northwind Outfitters. Have a great day!'],
  [/^\s*(hi|hello|hey|good (morning|afternoon|evening))\b/i, 'Hello! How can I help you today?'],
  [/\border\b/i, "I can check on an order for you. What's the order number?"],
];

/**
 * @param {ReplyContext} context
 * @param {Scenario} scenario
 * @returns {string | ScriptedReply}
 */
function northwind(context, scenario) {
  if (context.kind === 'greeting') return GREETING;
  if (context.kind === 'tool_output') return describeToolResult(context);
  if (context.kind === 'other') {
    // `[idle]`: server VAD's idle timeout fired, and the model prompts the user to go on.
    return context.text === '[idle]' ? "Are you still there? I'm happy to help whenever you're ready." : 'Is there anything else I can help you with?';
  }
  const text = context.text;
  const heard = /^\[(speech|silence), ([\d.]+) s\]$/.exec(text);
  if (heard) {
    return heard[1] === 'silence'
      ? "I didn't catch anything there, it sounded like silence. Could you say that again?"
      : `I heard about ${heard[2]} seconds of speech, but I am the local test server and cannot understand audio. Try typing your question, or mention an order number.`;
  }
  const order = /\b\d{4,}\b/.exec(text)?.[0];
  const tool = pickTool(context);
  if (order && tool) {
    return { toolCall: { name: tool.name, arguments: argumentsFor(tool, order), say: `Let me look up order ${order} for you.` } };
  }
  if (tool && (context.toolChoice === 'required' || typeof context.toolChoice === 'object')) {
    return { toolCall: { name: tool.name, arguments: argumentsFor(tool, text) } };
  }
  if (order) return `Order ${order} ${directStatus(order)}`;
  for (const [pattern, reply] of TOPICS) if (pattern.test(text)) return reply;
  return scenario.fallback ?? 'Thanks for your message. I can help with orders, returns, shipping and sizing. What would you like to know?';
}

/**
 * The function to call: the one `tool_choice` forces, else an order-lookup function (by name),
 * else — only when a call is required — the first one.
 * @param {ReplyContext} context
 * @returns {Json | undefined}
 */
function pickTool(context) {
  const choice = context.toolChoice;
  if (choice === 'none') return undefined;
  if (typeof choice === 'object') return context.tools.find((t) => t.name === choice.name);
  return context.tools.find((t) => /order/i.test(t.name)) ?? (choice === 'required' ? context.tools[0] : undefined);
}

/**
 * Builds arguments that satisfy the tool's JSON-schema parameters: the value goes into the first
 * required string property (e.g. `order_id`), other required properties get neutral values.
 * @param {Json} tool
 * @param {string} value
 * @returns {string}
 */
function argumentsFor(tool, value) {
  const params = tool.parameters ?? {};
  /** @type {Json} */
  const props = params.properties ?? {};
  /** @type {string[]} */
  const required = Array.isArray(params.required) ? params.required : [];
  const names = [...required, ...Object.keys(props)];
  const target = names.find((n) => ['string', 'integer', 'number', undefined].includes(props[n]?.type)) ?? 'order_id';
  /** @type {Json} */
  const args = {};
  for (const name of new Set([target, ...required])) {
    const type = props[name]?.type;
    if (name === target) args[name] = type === 'integer' || type === 'number' ? Number(value.replace(/\D/g, '')) || 0 : value;
    else if (type === 'number' || type === 'integer') args[name] = 0;
    else if (type === 'boolean') args[name] = false;
    else if (type === 'array') args[name] = [];
    else if (type === 'object') args[name] = {};
    else args[name] = '';
  }
  return JSON.stringify(args);
}

/**
 * An answer about an order when there is no tool to ask: plausible and stable per number.
 * @param {string} order
 * @returns {string}
 */
function directStatus(order) {
  const statuses = [
    'has shipped and should arrive in two to three business days.',
    'is being prepared in our warehouse and will ship tomorrow.',
    'was delivered on Monday. If you cannot find it, let me know.',
  ];
  return /** @type {string} */ (statuses[Number(order.slice(-3)) % statuses.length]);
}

/**
 * Speaks a tool's result. Understands the usual order fields (status, item, carrier, eta) and
 * an `error` field; anything else is read out briefly.
 * @param {ReplyContext} context
 * @returns {string}
 */
function describeToolResult(context) {
  /** @type {unknown} */
  let data = context.text;
  try {
    data = JSON.parse(context.text);
  } catch {
    // plain text output
  }
  if (typeof data === 'string') return data.trim() ? `Here's what I found: ${clip(data, 200)}` : 'The lookup came back empty.';
  if (!data || typeof data !== 'object' || Array.isArray(data)) return `Here's what I found: ${clip(JSON.stringify(data), 200)}`;
  const result = /** @type {Json} */ (data);
  if (result.error) {
    return /not.?found/i.test(String(result.error))
      ? "I couldn't find an order with that number. Could you double-check it?"
      : `Sorry, the lookup didn't work: ${String(result.error).replace(/_/g, ' ')}.`;
  }
  const args = context.toolArguments ?? {};
  const id = result.orderId ?? result.order_id ?? result.id ?? Object.values(args).find((v) => /\d{4,}/.test(String(v)));
  if (typeof result.status === 'string') {
    const status = result.status.toLowerCase();
    const phrase =
      { shipped: 'has shipped', delivered: 'was delivered', processing: 'is being prepared', cancelled: 'was cancelled', canceled: 'was cancelled' }[status] ??
      `is ${status.replace(/_/g, ' ')}`;
    const item = result.item ?? result.product;
    let sentence = `${id ? `Order ${id}` : 'Your order'}${item ? `, the ${item},` : ''} ${phrase}${result.carrier ? ` with ${result.carrier}` : ''}.`;
    const eta = result.eta ?? result.estimated_delivery ?? result.delivery_date ?? result.arrives;
    if (eta && status !== 'delivered') sentence += ` It should arrive ${eta}.`;
    return sentence;
  }
  const facts = Object.entries(result)
    .slice(0, 4)
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return facts.length ? `Here's what I found. ${facts.join('; ')}.` : 'The lookup came back empty.';
}

/**
 * @param {string} text
 * @param {number} max
 * @returns {string}
 */
function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
