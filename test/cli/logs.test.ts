import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app.js';
import { type PanelProcess, runCli, spawnPanel } from '../helpers/cli.js';

const esc = '\x1b';
/** `14:02:31 INFO  ...`, the level perhaps coloured. */
const prettyLine = new RegExp(`^\\d\\d:\\d\\d:\\d\\d (?:${esc}\\[\\d+m)?INFO (?:${esc}\\[0m)? `);

describe('logs: JSON for machines, short lines on a terminal', () => {
  let dataDir: string;
  let panel: PanelProcess | undefined;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(async () => {
    await panel?.stop();
    panel = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Serves, answers one request, and returns the output lines. */
  async function linesOf(terminal: boolean): Promise<string[]> {
    panel = spawnPanel({ DATA_DIR: dataDir, LOG_LEVEL: 'info' }, { terminal });
    const url = await panel.url();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await panel.waitForOutput(/request completed|GET \/healthz 200/);
    expect(await panel.stop()).toBe(0);
    return panel.output().replaceAll('\r', '').trimEnd().split('\n');
  }

  it('writes pino JSON lines when stdout is not a terminal', async () => {
    const lines = await linesOf(false);
    const entries = lines.map((line) => JSON.parse(line));
    expect(entries.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^l4d2web on http:/), 'request completed']),
    );
    expect(entries.find((entry) => entry.msg === 'request completed')).toMatchObject({
      level: 30,
      res: { statusCode: 200 },
    });
  });

  it('writes one short coloured line per event on a terminal, one per request', async () => {
    const lines = await linesOf(true);
    expect(lines.some((line) => line.includes('{'))).toBe(false);
    expect(lines.every((line) => prettyLine.test(line))).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(/INFO .* l4d2web on http:\/\/127\.0\.0\.1:\d+ \(database: sqlite/),
    );
    expect(lines.filter((line) => line.includes('/healthz'))).toEqual([
      expect.stringMatching(/ GET \/healthz 200 \d+ ms$/),
    ]);
    expect(lines[0]).toContain('\x1b[32m');
  });

  it('exits 1 with one line for a bad LOG_FORMAT', async () => {
    const result = await runCli([], { DATA_DIR: dataDir, LOG_FORMAT: 'xml' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual(['l4d2web: LOG_FORMAT="xml" must be pretty or json']);
  });
});
