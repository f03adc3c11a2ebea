import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  boundConsoleLog,
  ConsoleFollower,
  lastConsoleLines,
  previousLogPath,
} from '../../src/supervisor/console-log.js';
import { waitFor } from '../helpers/supervisor.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function logFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'l4d2web-log-'));
  dirs.push(dir);
  return path.join(dir, 'console.log');
}

describe('console log', () => {
  it('is cut once over its limit, keeping the last part in console.log.1', async () => {
    const log = logFile();
    writeFileSync(log, 'a\n'.repeat(100));
    expect(await boundConsoleLog(log, 1000)).toBe(false);
    writeFileSync(log, 'line\n'.repeat(300));
    expect(await boundConsoleLog(log, 1000)).toBe(true);
    expect(statSync(log).size).toBe(0);
    expect(readFileSync(previousLogPath(log), 'utf8')).toBe('line\n'.repeat(300));
    expect(await boundConsoleLog(logFile(), 10)).toBe(false);
  });

  it('a child writing with O_APPEND keeps writing at the new end after the cut (no hole)', async () => {
    const log = logFile();
    const fd = openSync(log, 'a');
    const child = spawn(
      process.execPath,
      [
        '-e',
        'let i = 0; const t = setInterval(() => { console.log("x".repeat(99)); if (++i === 60) clearInterval(t); }, 5);',
      ],
      { stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    await waitFor(() => statSync(log).size > 2000);
    expect(await boundConsoleLog(log, 2000)).toBe(true);
    await new Promise((resolve) => child.once('exit', resolve));
    const text = readFileSync(log, 'utf8');
    expect(text).not.toContain('\0');
    expect(statSync(log).size).toBeLessThan(6000);
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .every((line) => line === 'x'.repeat(99)),
    ).toBe(true);
  });

  it('gives the last lines, reaching into the previous part after a cut', async () => {
    const log = logFile();
    writeFileSync(previousLogPath(log), 'one\ntwo\nthree\n');
    writeFileSync(log, 'four\nfive\n');
    expect(await lastConsoleLines(log, 3)).toEqual(['three', 'four', 'five']);
    expect(await lastConsoleLines(log, 1)).toEqual(['five']);
    expect(await lastConsoleLines(logFile(), 5)).toEqual([]);
  });

  it('follows new lines from the end, across a cut', async () => {
    const log = logFile();
    writeFileSync(log, 'old\n');
    const lines: string[] = [];
    const follower = new ConsoleFollower(log, (line) => lines.push(line), 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      writeFileSync(log, 'old\nnew 1\nnew', { flag: 'w' });
      await waitFor(() => lines.length === 1);
      writeFileSync(log, 'old\nnew 1\nnew 2\n');
      await waitFor(() => lines.length === 2);
      expect(lines).toEqual(['new 1', 'new 2']);
      writeFileSync(log, 'after cut\n');
      await waitFor(() => lines.length === 3);
      expect(lines[2]).toBe('after cut');
    } finally {
      follower.close();
    }
  });
});
