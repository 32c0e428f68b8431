/** A real HTTP receiver on 127.0.0.1 for the webhook tests: records requests, answers as told. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** One answer per request, in order: a status, or 'hang' (never answer). Past the plan: 200. */
export type Answer = number | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  plan: Answer[];
  close(): Promise<void>;
}

export async function startReceiver(plan: Answer[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const receiver = { url: '', received, plan, close: async () => {} };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      const answer = receiver.plan.shift() ?? 200;
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  receiver.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
