/**
 * Baseline for the NewBillable benchmark: a bare Fastify route on the same path that parses the
 * same JSON body and returns a small JSON body, with no authentication and no database. The
 * service's throughput is reported as a ratio of this one's. Reads PORT from the environment.
 */
import Fastify from 'fastify';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write(`bench-bare-server: PORT must be a TCP port number, not '${process.env.PORT ?? ''}'.\n`);
  process.exit(1);
}

const app = Fastify({ logger: false });
let received = 0;

app.get('/health', async () => ({ status: 'ok' }));

app.post('/api/NewBillable', async (request) => {
  const body = request.body as { callSid?: unknown };
  received += 1;
  return { id: String(received), callSid: body.callSid, status: 'Pending' };
});

await app.listen({ port, host: '127.0.0.1' });

process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
