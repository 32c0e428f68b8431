#!/usr/bin/env node
// The "legitimate service" that runs inside a Mininet host during tests and the demo:
// answers every request with a small body. (Python's http.server is unsuitable there:
// it looks up its own address in DNS before listening, and a test host has no DNS.)
//   node scripts/traffic/http-server.mjs ADDRESS PORT [SECONDS]
import { createServer } from 'node:http';

const [address = '0.0.0.0', port = '8080', seconds = '120'] = process.argv.slice(2);
const body = Buffer.from('ofguard test service: ok\n');
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.listen(Number(port), address, () => process.stdout.write(`listening on ${address}:${port}\n`));
// Bounded in time like every load in the test network: it stops by itself.
setTimeout(() => process.exit(0), Number(seconds) * 1000).unref();
setTimeout(() => server.close(), Number(seconds) * 1000);
