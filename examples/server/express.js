// Express 4 or 5: the handler's node listener is ordinary middleware. It works with or without
// express.json() in front of it (the body is ignored: the session is pinned on the server).
import express from 'express';
import { tokenHandler } from './token-handler.js';

export const app = express();
app.post('/realtime/session', tokenHandler.toNodeListener());
// The CORS preflight of cross-origin pages (allowedOrigins): the widget POSTs JSON, so browsers ask first.
app.options('/realtime/session', tokenHandler.toNodeListener());
// app.listen(3000);
