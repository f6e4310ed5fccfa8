// `realtime-voice/simulator`: a local server that speaks OpenAI's Realtime GA protocol, for
// development without the cloud and for tests over a real socket.
export { createRealtimeServer, controlOps } from './server.js';
export { normalizeScenario } from './scenario.js';
export { synthesize, availableEngine } from './voice.js';

/** @typedef {import('./server.js').RealtimeServer} RealtimeServer */
/** @typedef {import('./server.js').RealtimeServerOptions} RealtimeServerOptions */
/** @typedef {import('./scenario.js').Scenario} Scenario */
/** @typedef {import('./scenario.js').ScriptedReply} ScriptedReply */
/** @typedef {import('./scenario.js').ReplyContext} ReplyContext */
/** @typedef {import('./faults.js').Faults} Faults */
