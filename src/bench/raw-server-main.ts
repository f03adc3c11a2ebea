import { startRawServer } from './raw-server.js';

/** The captured answers as they cross the IPC channel (bodies in base64). */
export type CapturedAnswers = Record<
  string,
  { status: number; headers: Record<string, string>; body: string }
>;

// Runs the ceiling server in its own process, like the panel, so both can be pinned to the same core.
process.once('message', async (captured: CapturedAnswers) => {
  const responses = new Map(
    Object.entries(captured).map(([key, value]) => [
      key,
      { ...value, body: Buffer.from(value.body, 'base64') },
    ]),
  );
  const server = await startRawServer(responses);
  const address = server.address() as { port: number };
  process.send?.({ port: address.port });
});
