// Next.js App Router: app/realtime/session/route.ts. The handler is a Fetch-API handler, so the
// route is one line. It runs on the Node.js runtime and on the Edge runtime alike.
import { createTokenHandler } from 'realtime-voice/server';

const handler = createTokenHandler({
  apiKey: process.env.OPENAI_API_KEY ?? '',
  session: { instructions: 'You are the support agent of Example Shop. Keep answers short.' },
  ...(process.env.OPENAI_BASE_URL ? { baseUrl: process.env.OPENAI_BASE_URL } : {}),
});

export const dynamic = 'force-dynamic'; // never cache a credential

export function POST(request: Request): Promise<Response> {
  return handler(request);
}
