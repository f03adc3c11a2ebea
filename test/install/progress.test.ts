import { describe, expect, it } from 'vitest';
import {
  LineSplitter,
  ProgressTracker,
  parseSteamcmdLine,
  phaseOfState,
} from '../../src/install/progress.js';

describe('parseSteamcmdLine (lines as real SteamCMD prints them)', () => {
  it('reads progress lines, with their leading space, code, state, percent and bytes', () => {
    expect(
      parseSteamcmdLine(' Update state (0x61) downloading, progress: 39.67 (292827978 / 738158916)'),
    ).toEqual({
      kind: 'progress',
      code: '0x61',
      state: 'downloading',
      percent: 39.67,
      done: 292827978,
      total: 738158916,
    });
    expect(
      parseSteamcmdLine(' Update state (0x81) verifying update, progress: 0.73 (253307895 / 34705746562)'),
    ).toMatchObject({
      code: '0x81',
      state: 'verifying update',
      total: 34705746562,
    });
    expect(
      parseSteamcmdLine('Update state (0x5) verifying install, progress: 12.34 (1234 / 10000)\r'),
    ).toMatchObject({
      kind: 'progress',
      code: '0x5',
      percent: 12.34,
    });
  });

  it('reads the platform echo, success and failure lines', () => {
    expect(parseSteamcmdLine('"@sSteamCmdForcePlatformType" = "windows"')).toEqual({
      kind: 'platform',
      platform: 'windows',
    });
    expect(parseSteamcmdLine("Success! App '222860' fully installed.")).toEqual({ kind: 'success' });
    expect(parseSteamcmdLine("Success! App '222860' already up to date.")).toEqual({ kind: 'success' });
    expect(parseSteamcmdLine("Error! App '222860' state is 0x202 after update job.")).toEqual({
      kind: 'failure',
      line: "Error! App '222860' state is 0x202 after update job.",
      code: '0x202',
    });
    expect(parseSteamcmdLine("ERROR! Failed to install app '222860' (Invalid platform)")).toEqual({
      kind: 'failure',
      line: "ERROR! Failed to install app '222860' (Invalid platform)",
      reason: 'Invalid platform',
    });
    expect(
      parseSteamcmdLine('Connecting anonymously to Steam Public...FAILED (No Connection)'),
    ).toMatchObject({
      kind: 'failure',
    });
    expect(parseSteamcmdLine('ERROR! Not logged on.')).toMatchObject({ kind: 'failure' });
  });

  it('ignores the rest, and terminal escapes around a line', () => {
    expect(parseSteamcmdLine('Loading Steam API...OK')).toEqual({ kind: 'other' });
    expect(parseSteamcmdLine('Waiting for user info...OK')).toEqual({ kind: 'other' });
    expect(
      parseSteamcmdLine('\x1b[0m Update state (0x61) downloading, progress: 1.00 (1 / 100)\x1b[K'),
    ).toMatchObject({
      kind: 'progress',
      percent: 1,
    });
  });
});

describe('phases', () => {
  it('maps verifying (0x5, 0x81) and preallocating (0x11) to verify, downloading and committing to download', () => {
    expect(phaseOfState('0x5', 'verifying install')).toBe('verify');
    expect(phaseOfState('0x11', 'preallocating')).toBe('verify');
    expect(phaseOfState('0x81', 'verifying update')).toBe('verify');
    expect(phaseOfState('0x61', 'downloading')).toBe('download');
    expect(phaseOfState('0x101', 'committing')).toBe('download');
    expect(phaseOfState('0x3', 'reconfiguring')).toBeNull();
  });

  it('puts everything under the forced Windows platform into bootstrap, then follows the states', () => {
    const tracker = new ProgressTracker({ phase: 'bootstrap', percent: 0, bytes_done: 0, bytes_total: 0 });
    expect(tracker.feed('"@sSteamCmdForcePlatformType" = "windows"')).toBeNull();
    expect(tracker.feed(' Update state (0x61) downloading, progress: 50.00 (5 / 10)')).toEqual({
      phase: 'bootstrap',
      percent: 50,
      bytes_done: 5,
      bytes_total: 10,
    });
    tracker.feed("Success! App '222860' fully installed.");
    tracker.feed('"@sSteamCmdForcePlatformType" = "linux"');
    expect(tracker.feed(' Update state (0x11) preallocating, progress: 0.00 (0 / 100)')?.phase).toBe(
      'verify',
    );
    expect(tracker.feed(' Update state (0x61) downloading, progress: 12.34 (1234 / 10000)')).toEqual({
      phase: 'download',
      percent: 12.34,
      bytes_done: 1234,
      bytes_total: 10000,
    });
    expect(tracker.feed(' Update state (0x61) downloading, progress: 12.34 (1234 / 10000)')).toBeNull();
    expect(tracker.feed(' Update state (0x3) reconfiguring, progress: 0.00 (0 / 0)')?.phase).toBe('download');
    expect(tracker.touchedFiles).toBe(true);
    expect(tracker.failure).toBeNull();
  });

  it('keeps the last failure, and knows whether files were touched', () => {
    const tracker = new ProgressTracker();
    tracker.feed(' Update state (0x61) downloading, progress: 40.00 (4 / 10)');
    tracker.feed("Error! App '222860' state is 0x402 after update job.");
    expect(tracker.failure?.code).toBe('0x402');
    expect(tracker.touchedFiles).toBe(false);
    tracker.feed(' Update state (0x101) committing, progress: 10.00 (1 / 10)');
    expect(tracker.touchedFiles).toBe(true);
  });
});

describe('LineSplitter', () => {
  it('splits \\r\\n, \\n and lone \\r, across chunks, and keeps a cut line for the next chunk', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('one\r');
    expect(lines).toEqual([]);
    splitter.push('\ntwo\nthr');
    splitter.push('ee\rfour\r\n');
    splitter.push('five');
    expect(lines).toEqual(['one', 'two', 'three', 'four']);
    splitter.end();
    expect(lines).toEqual(['one', 'two', 'three', 'four', 'five']);
  });
});
