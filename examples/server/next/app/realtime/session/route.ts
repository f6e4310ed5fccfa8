// Next.js App Router: app/realtime/session/route.ts. The handler is a Fetch-API handler, so the
// route is one line. It runs on the Node.js runtime and on the Edge runtime alike.
import { createTokenHandler, type TokenHandler } from 'realtime-voice/server';

// Created on the first request, not at import: `next build` imports route modules to collect
// page data, where the secret is often absent (and createTokenHandler refuses an empty key).
let handler: TokenHandler | undefined;

export const dynamic = 'force-dynamic'; // never cache a credential

export function POST(request: Request): Promise<Response> {
  handler ??= createTokenHandler({
    apiKey: process.env.OPENAI_API_KEY ?? '',
    session: { instructions: 'You are the support agent of Example Shop. Keep answers short.' },
    ...(process.env.OPENAI_BASE_URL ? { baseUrl: process.env.OPENAI_BASE_URL } : {}),
  });
  return handler(request);
}

// The CORS preflight of cross-origin pages (allowedOrigins): Next's own OPTIONS answer has no CORS headers.
export const OPTIONS = POST;
