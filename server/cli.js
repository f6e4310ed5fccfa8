#!/usr/bin/env node
// `realtime-voice-server`: runs the local Realtime server, prints its URLs, its API key and a
// development client secret, and stops cleanly on Ctrl-C.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { availableEngine, createRealtimeServer } from './simulator/index.js';

const usage = `Usage: realtime-voice-server [options]

  -p, --port <n>               port to listen on (default 8787; 0 picks a free one)
      --host <addr>            interface to bind (default 127.0.0.1)
      --api-key <key>          standard key backends must present (default: a random sk-local-… key;
                               also read from REALTIME_VOICE_API_KEY)
      --key-ttl <seconds>      lifetime of the printed development client secret (default 7200)
      --max-session-seconds <n> session length limit (default 3600)
      --scenario <file.json>   scripted transcripts/replies (see the README)
      --voice <engine>         auto | espeak | synthetic (default auto: espeak-ng when installed)
  -q, --quiet                  do not log sessions
  -h, --help                   show this help`;

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', short: 'p', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'key-ttl': { type: 'string', default: '7200' },
      'max-session-seconds': { type: 'string', default: '3600' },
      scenario: { type: 'string' },
      voice: { type: 'string', default: 'auto' },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

/** @type {ReturnType<typeof parse>} */
let values;
try {
  values = parse();
} catch (error) {
  console.error(`${error instanceof Error ? error.message : error}\n\n${usage}`);
  process.exit(2);
}

if (values.help) {
  console.log(usage);
  process.exit(0);
}

/**
 * @param {unknown} text
 * @param {string} name
 * @returns {number}
 */
function number(text, name) {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number`);
    process.exit(2);
  }
  return n;
}

const voice = String(values.voice);
if (!['auto', 'espeak', 'synthetic'].includes(voice)) {
  console.error('--voice must be auto, espeak or synthetic');
  process.exit(2);
}
const apiKey = String(values['api-key'] ?? process.env.REALTIME_VOICE_API_KEY ?? `sk-local-${randomBytes(12).toString('hex')}`);
/** @type {import('./simulator/index.js').Scenario | undefined} */
let scenario;
if (values.scenario) {
  try {
    scenario = JSON.parse(await readFile(String(values.scenario), 'utf8'));
  } catch (error) {
    console.error(`--scenario: cannot read ${values.scenario}: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  }
}
const time = () => new Date().toISOString().slice(11, 19);

/** @type {Awaited<ReturnType<typeof createRealtimeServer>>} */
let server;
try {
  server = await createRealtimeServer({
    host: String(values.host),
    port: number(values.port, 'port'),
    apiKey,
    scenario,
    maxSessionSeconds: number(values['max-session-seconds'], 'max-session-seconds') || 3600,
    voiceEngine: /** @type {'auto' | 'espeak' | 'synthetic'} */ (voice),
    logger: {
      info: (...args) => values.quiet || console.log(time(), ...args),
      warn: (...args) => console.warn(time(), ...args),
    },
  });
} catch (error) {
  const code = /** @type {{code?: string}} */ (error).code;
  console.error(code === 'EADDRINUSE' ? `Port ${values.port} is already in use; pick another with --port.` : `Could not start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}

const ttl = Math.max(10, number(values['key-ttl'], 'key-ttl'));
const secret = /** @type {{value: string, expires_at: number}} */ (await server.control('mint', { ttlSeconds: ttl }));
const engine = voice === 'synthetic' ? 'synthetic (generated voice)' : (await availableEngine()) === 'espeak-ng' ? 'espeak-ng' : 'synthetic (espeak-ng is not installed)';

console.log(`realtime-voice local Realtime server (OpenAI GA protocol)

  WebSocket   ${server.url}
  REST        ${server.httpUrl}   (POST /realtime/client_secrets)
  API key     ${apiKey}
              for backends: createTokenHandler({ apiKey, baseUrl: '${server.httpUrl}', url: '${server.url}' })
  Dev secret  ${secret.value}
              expires ${new Date(secret.expires_at * 1000).toLocaleTimeString()}; for <realtime-voice url="${server.url}">
  Voice       ${engine}

Ctrl-C stops it.`);

let stopping = false;
/** @param {NodeJS.Signals} signal */
async function stop(signal) {
  if (stopping) process.exit(130); // a second Ctrl-C: stop waiting
  stopping = true;
  if (!values.quiet) console.log(`\n${time()} ${signal}: closing sessions…`);
  await server.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
