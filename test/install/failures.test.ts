import { describe, expect, it } from 'vitest';
import { describeRunFailure } from '../../src/install/failures.js';
import { parseSteamcmdLine } from '../../src/install/progress.js';

function failureOf(line: string) {
  const parsed = parseSteamcmdLine(line);
  if (parsed.kind !== 'failure') throw new Error(`not a failure: ${line}`);
  return describeRunFailure(parsed, { code: 8, signal: null });
}

describe('SteamCMD failures in words a person understands', () => {
  it.each([
    ['0x202', 'not enough disk space in SRCDS_DIR', null],
    ['0x212', 'not enough disk space in SRCDS_DIR', null],
    ['0x402', 'download interrupted (network)', 'network'],
    ['0x602', 'download interrupted (network)', 'network'],
    ['0x606', 'disk write failed', null],
  ])('state %s: "%s"', (code, message, retry) => {
    expect(failureOf(`Error! App '222860' state is ${code} after update job.`)).toEqual({ message, retry });
  });

  it('No subscription: Steam refused the anonymous download', () => {
    expect(failureOf("ERROR! Failed to install app '222860' (No subscription)")).toEqual({
      message: 'Steam refused the anonymous download',
      retry: null,
    });
  });

  it('Invalid platform and Missing configuration: SteamCMD quoted, tried again with the bootstrap', () => {
    for (const reason of ['Invalid platform', 'Missing configuration']) {
      const line = `ERROR! Failed to install app '222860' (${reason})`;
      expect(failureOf(line)).toEqual({ message: line, retry: 'platform' });
    }
  });

  it('quotes any other line as SteamCMD printed it', () => {
    expect(failureOf("Error! App '222860' state is 0x6 after update job.")).toEqual({
      message: "Error! App '222860' state is 0x6 after update job.",
      retry: null,
    });
    expect(failureOf("ERROR! Failed to install app '222860' (Disk write failure)").message).toBe(
      'disk write failed',
    );
    expect(failureOf('ERROR! Not logged on.')).toEqual({ message: 'ERROR! Not logged on.', retry: null });
    expect(failureOf("Logging in user 'anonymous' to Steam Public...FAILED (No Connection)")).toEqual({
      message: "Logging in user 'anonymous' to Steam Public...FAILED (No Connection)",
      retry: 'network',
    });
  });

  it('without a line: the exit code or the signal', () => {
    expect(describeRunFailure(null, { code: 3, signal: null }).message).toBe(
      'steamcmd exited with code 3 without saying why',
    );
    expect(describeRunFailure(null, { code: null, signal: 'SIGKILL' }).message).toBe(
      'steamcmd was ended by SIGKILL',
    );
  });
});
