import { startRawServer } from './raw-server.js';

// Runs the ceiling server in its own process, like the panel, so both get a core to themselves.
process.once('message', async (captured: Record<string, { type: string; body: string }>) => {
  const responses = new Map(
    Object.entries(captured).map(([key, value]) => [
      key,
      { type: value.type, body: Buffer.from(value.body, 'base64') },
    ]),
  );
  const server = await startRawServer(responses);
  const address = server.address() as { port: number };
  process.send?.({ port: address.port });
});
