// Plain node:http, no framework.
import { createServer } from 'node:http';
import { tokenHandler } from './token-handler.js';

const tokens = tokenHandler.toNodeListener();

export const server = createServer((req, res) => {
  if (req.url === '/realtime/session') tokens(req, res);
  else res.writeHead(404).end();
});
// server.listen(3000);
