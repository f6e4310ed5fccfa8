// Hono (Cloudflare Workers, Deno, Bun, Node): hand the raw Request to the handler. On Workers,
// read the key from the environment binding, so create the handler per environment.
import { Hono } from 'hono';
import { createTokenHandler, type TokenHandler } from 'realtime-voice/server';

type Env = { Bindings: { OPENAI_API_KEY: string; OPENAI_BASE_URL?: string } };

let handler: TokenHandler | undefined;

export const app = new Hono<Env>();
// POST, and OPTIONS for the CORS preflight of cross-origin pages (allowedOrigins).
app.on(['POST', 'OPTIONS'], '/realtime/session', (c) => {
  handler ??= createTokenHandler({
    apiKey: c.env.OPENAI_API_KEY,
    session: { instructions: 'You are the support agent of Example Shop. Keep answers short.' },
    // Rate limits are per client: on Cloudflare the visitor's address is in CF-Connecting-IP.
    clientId: (request) => request.headers.get('cf-connecting-ip') ?? 'anonymous',
    ...(c.env.OPENAI_BASE_URL ? { baseUrl: c.env.OPENAI_BASE_URL } : {}),
  });
  return handler(c.req.raw);
});
// export default app; // Workers, Bun and Deno serve it as is
