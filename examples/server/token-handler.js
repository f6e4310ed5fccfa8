// The token endpoint, configured once and mounted by every recipe in this folder. The session
// configuration is pinned here, on your server: every session starts with it, whatever the page
// says (a visitor can still change their own session: see "Security and privacy" in the README).
import process from 'node:process';
import { createTokenHandler } from 'realtime-voice/server';

export const tokenHandler = createTokenHandler({
  apiKey: process.env.OPENAI_API_KEY ?? '',
  session: {
    instructions: 'You are the support agent of Example Shop. Keep answers short.',
    audio: { output: { voice: 'marin' } },
  },
  expiresAfterSeconds: 600, // how long the browser may use the key to start a session
  allowedOrigins: ['https://shop.example'], // cross-origin pages allowed to ask (same-origin always is)
  rateLimit: { max: 10, windowMs: 60_000 }, // per client; pass a shared `store` when you run several instances
  // Tests and `npx realtime-voice-server` point this at the local Realtime server.
  ...(process.env.OPENAI_BASE_URL ? { baseUrl: process.env.OPENAI_BASE_URL } : {}),
});
