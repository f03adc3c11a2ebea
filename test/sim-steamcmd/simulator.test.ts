import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildidOfManifest, manifestPath, remoteBuildidOf } from '../../src/install/builds.js';
import { appInfoArgs, bootstrapArgs, updateArgs } from '../../src/install/command-lines.js';
import { runInPty } from '../../src/install/pty.js';
import { BLOCK_BYTES } from '../../src/sim-steamcmd/output.js';
import { isSimulatedInstall } from '../../src/simulator/install.js';
import { tempDir } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { FAST, makeSimSteamcmd, removeSimSteamcmds } from '../helpers/steamcmd.js';

afterAll(removeSimSteamcmds);

/** Runs the simulator with stdout a pipe: its output as the chunks that arrived, and its exit code. */
function throughPipe(
  program: string,
  args: string[],
  env: Record<string, string> = {},
  onChunk: (chunk: string) => void = () => {},
) {
  return new Promise<{ chunks: string[]; code: number | null; stderr: string }>((resolve) => {
    const child = spawn(program, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      chunks.push(chunk);
      onChunk(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ chunks, code, stderr }));
  });
}

/** Runs it under a pseudo-terminal: its lines, and its exit code. */
async function underPty(program: string, args: string[]) {
  const lines: string[] = [];
  const run = runInPty(program, args, { env: process.env, onLine: (line) => lines.push(line) });
  const exit = await run.exited;
  return { lines, code: exit.code };
}

describe('SteamCMD simulator', () => {
  it('refuses a Linux install from nothing with Invalid platform, as Steam does today', async () => {
    const sim = await makeSimSteamcmd();
    const game = tempDir();
    const { lines, code } = await underPty(sim.program, updateArgs(game));
    expect(code).toBe(8);
    expect(lines).toContain("Logging in user 'anonymous' to Steam Public...OK");
    expect(lines.at(-1)).toBe("ERROR! Failed to install app '222860' (Invalid platform)");
    expect(existsSync(manifestPath(game))).toBe(false);
  });

  it('installs with the Windows-then-Linux bootstrap: banner, progress, success, the srcds install and its manifest', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '16446406' });
    const game = path.join(tempDir(), 'srcds dir with spaces');
    const { lines, code } = await underPty(sim.program, bootstrapArgs(game));
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^Redirecting stderr to '.*stderr\.txt'$/);
    expect(lines).toContain('Steam Console Client (c) Valve Corporation - version 1738016390');
    expect(lines).toContain('"@sSteamCmdForcePlatformType" = "windows"');
    const progress = lines.filter((line) => line.startsWith(' Update state (0x61) downloading, progress: '));
    expect(progress.length).toBeGreaterThan(5);
    expect(progress[0]).toBe(' Update state (0x61) downloading, progress: 0.00 (0 / 50000000)');
    expect(progress.at(-1)).toBe(' Update state (0x61) downloading, progress: 100.00 (50000000 / 50000000)');
    expect(lines.filter((line) => line === "Success! App '222860' fully installed.")).toHaveLength(2);
    expect(lines.at(-1)).toBe('Unloading Steam API...OK');
    expect(isSimulatedInstall(game)).toBe(true);
    expect(existsSync(path.join(game, 'srcds_run'))).toBe(true);
    expect(buildidOfManifest(readFileSync(manifestPath(game), 'utf8'))).toBe('16446406');
    expect(sim.runs()).toEqual([bootstrapArgs(game)]);
  });

  it('updates an installed game: verifies, downloads the new build, writes its buildid', async () => {
    const sim = await makeSimSteamcmd();
    const game = tempDir();
    expect((await underPty(sim.program, bootstrapArgs(game))).code).toBe(0);
    await sim.configure({ ...FAST, remoteBuildid: '2' });
    const { lines, code } = await underPty(sim.program, updateArgs(game));
    expect(code).toBe(0);
    expect(lines.some((line) => line.startsWith(' Update state (0x5) verifying install, progress: '))).toBe(
      true,
    );
    expect(lines.some((line) => line.startsWith(' Update state (0x61) downloading, progress: '))).toBe(true);
    expect(buildidOfManifest(readFileSync(manifestPath(game), 'utf8'))).toBe('2');
  });

  it('fails at failAt with the state code, failTimes runs, then succeeds', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, failAt: { percent: 40, code: '0x402' }, failTimes: 2 });
    const game = tempDir();
    for (let run = 0; run < 2; run++) {
      const { lines, code } = await underPty(sim.program, bootstrapArgs(game));
      expect(code).toBe(8);
      expect(lines.at(-2)).toBe(' Update state (0x61) downloading, progress: 40.00 (20000000 / 50000000)');
      expect(lines.at(-1)).toBe("Error! App '222860' state is 0x402 after update job.");
      expect(existsSync(path.join(game, 'srcds_run'))).toBe(false);
    }
    expect((await underPty(sim.program, bootstrapArgs(game))).code).toBe(0);
  });

  it('prints app_info_print VDF with branches / public / buildid', async () => {
    const sim = await makeSimSteamcmd({ remoteBuildid: '777' });
    const { lines, code } = await underPty(sim.program, appInfoArgs());
    expect(code).toBe(0);
    expect(lines).toContain('"222860"');
    expect(remoteBuildidOf(lines.join('\n'))).toBe('777');
  });

  it('offline: the login fails, app_info_print knows nothing', async () => {
    const sim = await makeSimSteamcmd({ offline: true });
    const { lines } = await underPty(sim.program, appInfoArgs());
    expect(lines).toContain("Logging in user 'anonymous' to Steam Public...FAILED (No Connection)");
    expect(remoteBuildidOf(lines.join('\n'))).toBeNull();
  });

  it('holds output back in 4 KB blocks when stdout is a pipe', async () => {
    const sim = await makeSimSteamcmd({ bytesTotal: 10_000_000, bytesPerSecond: 100_000_000, tickMs: 1 });
    const { chunks, code } = await throughPipe(sim.program, bootstrapArgs(tempDir()));
    expect(code).toBe(0);
    const sizes = chunks.map((chunk) => Buffer.byteLength(chunk));
    const whole = chunks.join('');
    expect(Buffer.byteLength(whole)).toBeGreaterThan(BLOCK_BYTES);
    // Every write but the last is a whole block (the pipe may join two into one read).
    for (const size of sizes.slice(0, -1)) expect(size % BLOCK_BYTES).toBe(0);
    expect(whole).toContain("Success! App '222860' fully installed.");
  });

  it('writes line by line into a pipe with bufferWhenNotTty false (environment variable)', async () => {
    const sim = await makeSimSteamcmd(FAST);
    const game = tempDir();
    const seen: boolean[] = [];
    const { code } = await throughPipe(
      sim.program,
      bootstrapArgs(game),
      { SIM_STEAMCMD_BUFFER_WHEN_NOT_TTY: 'false' },
      (chunk) => {
        // The first download line arrives while downloading: the game is laid out only after it.
        if (chunk.includes('downloading, progress: 0.00'))
          seen.push(existsSync(path.join(game, 'srcds_run')));
      },
    );
    expect(code).toBe(0);
    expect(seen).toEqual([false]);
  });

  it('refuses a bad option with one line and exit 1', async () => {
    const sim = await makeSimSteamcmd({ failAt: { percent: 120, code: '0x402' } });
    const { code, stderr } = await throughPipe(sim.program, appInfoArgs());
    expect(code).toBe(1);
    expect(stderr).toBe(
      'sim-steamcmd: bad failAt: {"percent":120,"code":"0x402"} ({"percent": 0-100, "code": "0x402"})\n',
    );
  });

  it('`l4d2web sim-steamcmd DIR` lays it out and names the program', async () => {
    const dir = path.join(tempDir(), 'steamcmd');
    const result = await runCli(['sim-steamcmd', dir], {});
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`simulated SteamCMD ready: STEAMCMD=${dir}/steamcmd.sh\n`);
    expect((await runCli(['sim-steamcmd'], {})).status).toBe(2);
  });
});
