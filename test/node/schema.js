// Holds the local server (and anything else) to the real protocol: every event is validated
// against the GA JSON Schema extracted from OpenAI's OpenAPI description. The repo keeps a copy
// in test/fixtures; the shared spec beside the clone is the fallback.
import { existsSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

const inRepo = new URL('../fixtures/openai-realtime-ga.schema.json', import.meta.url);
const shared = new URL('../../../shared/spec/openai-realtime-ga.schema.json', import.meta.url);

/** The GA schema (draft 2020-12) with every client and server event under `$defs`. */
export const schema = JSON.parse(readFileSync(existsSync(inRepo) ? inRepo : shared, 'utf8'));

// Formats such as "unixtime" are OpenAI annotations, not validation rules.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(schema, 'rt');

/**
 * @param {string} ref a `$defs` name
 * @returns {import('ajv').ValidateFunction}
 */
function compiled(ref) {
  const validate = ajv.getSchema(`rt#/$defs/${ref}`);
  if (!validate) throw new Error(`schema has no $defs/${ref}`);
  return validate;
}

const serverEvent = compiled('RealtimeServerEvent');
const clientEvent = compiled('RealtimeClientEvent');

/**
 * Event type → the `$defs` entry describing it, so a failure names the exact fields at fault
 * instead of every branch of the union.
 * @param {string} union
 * @returns {Map<string, string>}
 */
function definitionsByType(union) {
  /** @type {Map<string, string>} */
  const map = new Map();
  for (const branch of schema.$defs[union].anyOf) {
    const name = String(branch.$ref).split('/').pop() ?? '';
    const type = schema.$defs[name]?.properties?.type?.enum?.[0];
    if (typeof type === 'string') map.set(type, name);
  }
  return map;
}
const serverDefs = definitionsByType('RealtimeServerEvent');
const clientDefs = definitionsByType('RealtimeClientEvent');

/**
 * @param {unknown} event
 * @param {import('ajv').ValidateFunction} union
 * @param {Map<string, string>} defs
 * @returns {string | null} a readable reason, or null when valid
 */
function check(event, union, defs) {
  if (union(event)) return null;
  const type = /** @type {{type?: unknown}} */ (event)?.type;
  const def = typeof type === 'string' ? defs.get(type) : undefined;
  if (!def) return `unknown event type ${JSON.stringify(type)}`;
  const specific = compiled(def);
  specific(event);
  return `${def}: ${ajv.errorsText(specific.errors ?? union.errors, { dataVar: 'event' })}`;
}

/**
 * @param {unknown} event
 * @returns {string | null} why it is not a valid GA server event, or null
 */
export const serverEventError = (event) => check(event, serverEvent, serverDefs);

/**
 * @param {unknown} event
 * @returns {string | null} why it is not a valid GA client event, or null
 */
export const clientEventError = (event) => check(event, clientEvent, clientDefs);

/**
 * @param {unknown} body
 * @returns {string | null} why it is not a valid client-secret response, or null
 */
export function clientSecretError(body) {
  const validate = compiled('RealtimeCreateClientSecretResponse');
  return validate(body) ? null : ajv.errorsText(validate.errors, { dataVar: 'body' });
}

/** Every server event type the GA schema defines. */
export const serverEventTypes = [...serverDefs.keys()];
