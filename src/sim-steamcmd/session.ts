import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_ID, buildidOfManifest, manifestPath } from '../install/builds.js';
import { formatVdf, parseVdf, vdfGet } from '../install/vdf.js';
import type { SimSteamcmdOptions } from './options.js';
import type { SteamcmdOutput } from './output.js';

/** What a run needs from the outside: its folder, options, output, clock and the install's lay-out. */
export interface SessionHost {
  /** The simulator's own folder (where steamcmd.sh is), like SteamCMD's. */
  steamDir: string;
  options: SimSteamcmdOptions;
  out: SteamcmdOutput;
  sleep(ms: number): Promise<void>;
  /** Lays the simulated srcds install out in a folder (src/simulator/install.ts). */
  layOutGame(dir: string): Promise<void>;
  /** How many earlier runs failed at `failAt`; and counting one more. */
  failuresSoFar(): Promise<number>;
  recordFailure(): Promise<void>;
}

export interface Command {
  name: string;
  args: string[];
}

/** `+name args... +name args...`: every word starting with `+` begins a command, as in SteamCMD. */
export function parseCommands(argv: readonly string[]): Command[] {
  const commands: Command[] = [];
  for (const word of argv) {
    if (word.startsWith('+')) commands.push({ name: word.slice(1), args: [] });
    else commands.at(-1)?.args.push(word);
  }
  return commands;
}

const APP_NAME = 'Left 4 Dead 2 Dedicated Server';
/** What SteamCMD exits with after a failed command under `@ShutdownOnFailedCommand 1`. */
export const FAILED_COMMAND_EXIT = 8;
const LOGIN_FAILED_EXIT = 5;

interface InstalledManifest {
  buildid: string | null;
  platform: string;
}

function progressLine(code: string, state: string, done: number, total: number): string {
  const percent = total > 0 ? ((done / total) * 100).toFixed(2) : '0.00';
  return ` Update state (${code}) ${state}, progress: ${percent} (${done} / ${total})`;
}

/** One SteamCMD run: the banner, then each `+command` in order. */
export class SteamcmdSession {
  private readonly convars = new Map<string, string>();
  private installDir: string | null = null;
  private loggedIn = false;
  private windowsForced = false;

  constructor(private readonly host: SessionHost) {}

  private line(text: string): void {
    this.host.out.line(text);
  }

  banner(): void {
    const logs = path.join(this.host.steamDir, 'logs');
    this.line(`Redirecting stderr to '${path.join(logs, 'stderr.txt')}'`);
    this.line(`Logging directory: '${logs}'`);
    this.line('[  0%] Checking for available updates...');
    this.line('[----] Verifying installation...');
    this.line('Steam Console Client (c) Valve Corporation - version 1738016390');
    this.line("-- type 'quit' to exit --");
    this.line('Loading Steam API...OK');
    this.line('l4d2web SteamCMD simulator: nothing is downloaded from Steam.');
  }

  /** Runs the commands; returns the exit code, or null when the run did not `quit`. */
  async run(commands: readonly Command[]): Promise<number | null> {
    for (const command of commands) {
      const result = await this.execute(command);
      if (typeof result === 'number') return result;
      if (result === false && this.convars.get('@ShutdownOnFailedCommand') === '1') {
        return command.name === 'login' ? LOGIN_FAILED_EXIT : FAILED_COMMAND_EXIT;
      }
    }
    return null;
  }

  /** true: done; false: failed; a number: exit with it. */
  async execute({ name, args }: Command): Promise<boolean | number> {
    if (name.startsWith('@')) {
      this.convars.set(name, args[0] ?? '');
      if (name === '@sSteamCmdForcePlatformType' && args[0] === 'windows') this.windowsForced = true;
      this.line(`"${name}" = "${args[0] ?? ''}"`);
      return true;
    }
    switch (name.toLowerCase()) {
      case 'force_install_dir':
        if (this.loggedIn) this.line('Please use force_install_dir before logon!');
        this.installDir = path.resolve(args[0] ?? '.');
        return true;
      case 'login':
        return this.login(args[0] ?? '');
      case 'app_update':
        return this.appUpdate(args[0] ?? '', args.slice(1).includes('validate'));
      case 'app_info_update':
        if (!this.loggedIn) {
          this.line('ERROR! Failed to request AppInfo update, not online or not logged in to Steam.');
          return false;
        }
        return true;
      case 'app_info_print':
        return this.appInfoPrint(args[0] ?? '');
      case 'quit':
      case 'exit':
        this.line('Unloading Steam API...OK');
        return 0;
      default:
        this.line(`Command not found: ${name}`);
        return false;
    }
  }

  private login(user: string): boolean {
    this.line('');
    if (this.host.options.offline) {
      this.line(`Logging in user '${user}' to Steam Public...FAILED (No Connection)`);
      return false;
    }
    if (user !== 'anonymous') {
      this.line(`Logging in user '${user}' to Steam Public...FAILED (Invalid Password)`);
      return false;
    }
    this.line(`Logging in user '${user}' to Steam Public...OK`);
    this.line('Waiting for client config...OK');
    this.line('Waiting for user info...OK');
    this.loggedIn = true;
    return true;
  }

  private get platform(): string {
    return this.convars.get('@sSteamCmdForcePlatformType') || 'linux';
  }

  private get gameDir(): string {
    return this.installDir ?? path.join(this.host.steamDir, 'steamapps', 'common', APP_NAME);
  }

  private async readManifest(): Promise<InstalledManifest | null> {
    let text: string;
    try {
      text = await readFile(manifestPath(this.gameDir), 'utf8');
    } catch {
      return null;
    }
    let platform = 'linux';
    try {
      const value = vdfGet(parseVdf(text), 'AppState', 'UserConfig', 'platform_override_dest');
      if (typeof value === 'string' && value) platform = value;
    } catch {
      return null;
    }
    return { buildid: buildidOfManifest(text), platform };
  }

  private async writeManifest(buildid: string, platform: string): Promise<void> {
    const { bytesTotal } = this.host.options;
    const size = String(bytesTotal);
    const manifest = formatVdf('AppState', {
      appid: APP_ID,
      Universe: '1',
      name: APP_NAME,
      StateFlags: '4',
      installdir: APP_NAME,
      LastUpdated: String(Math.floor(Date.now() / 1000)),
      SizeOnDisk: size,
      StagingSize: '0',
      buildid,
      LastOwner: '0',
      BytesToDownload: size,
      BytesDownloaded: size,
      BytesToStage: size,
      BytesStaged: size,
      TargetBuildID: buildid,
      AutoUpdateBehavior: '0',
      AllowOtherDownloadsWhileRunning: '0',
      ScheduledAutoUpdate: '0',
      InstalledDepots: { '222861': { manifest: `${buildid}000`, size } },
      UserConfig: { platform_override_dest: platform },
      MountedConfig: { platform_override_dest: platform },
    });
    await mkdir(path.dirname(manifestPath(this.gameDir)), { recursive: true });
    await writeFile(manifestPath(this.gameDir), manifest);
  }

  /**
   * Progress lines of one update state, `bytesPerSecond` fast, up to 100 %; or up to `failAt` %,
   * returning false there.
   */
  private async phase(
    code: string,
    state: string,
    total: number,
    bytesPerSecond: number,
    failAt: number | null = null,
  ): Promise<boolean> {
    const { tickMs } = this.host.options;
    const step = Math.max(1, Math.floor((bytesPerSecond * tickMs) / 1000));
    const stopAt = failAt === null ? total : Math.min(total, Math.floor((failAt / 100) * total));
    for (let done = 0; ; done = Math.min(done + step, stopAt)) {
      this.line(progressLine(code, state, done, total));
      if (done >= stopAt) return failAt === null;
      await this.host.sleep(tickMs);
    }
  }

  private async appUpdate(appId: string, validate: boolean): Promise<boolean> {
    if (!this.loggedIn) {
      this.line('ERROR! Not logged on.');
      return false;
    }
    if (appId !== APP_ID) {
      this.line(`ERROR! Failed to install app '${appId}' (No subscription)`);
      return false;
    }
    const { options } = this.host;
    const target = options.remoteBuildid;
    const installed = await this.readManifest();
    if (this.platform === 'windows') return this.windowsBootstrap(installed, target);
    if (installed === null && options.invalidPlatform && !this.windowsForced) {
      this.line(`ERROR! Failed to install app '${APP_ID}' (Invalid platform)`);
      return false;
    }
    const linuxInstalled = installed?.platform === 'linux';
    const upToDate = linuxInstalled && installed?.buildid === target;
    if (upToDate && !validate) {
      this.line(`Success! App '${APP_ID}' already up to date.`);
      return true;
    }
    if (linuxInstalled && validate) {
      await this.phase('0x5', 'verifying install', options.bytesTotal, options.bytesPerSecond * 4);
    }
    if (!upToDate) {
      this.line(progressLine('0x11', 'preallocating', 0, options.bytesTotal));
      const failAt = (await this.failsThisRun()) ? (options.failAt?.percent ?? null) : null;
      const complete = await this.phase(
        '0x61',
        'downloading',
        options.bytesTotal,
        options.bytesPerSecond,
        failAt,
      );
      if (!complete) {
        await this.host.recordFailure();
        this.line(`Error! App '${APP_ID}' state is ${options.failAt?.code} after update job.`);
        return false;
      }
      this.line(progressLine('0x101', 'committing', options.bytesTotal, options.bytesTotal));
    }
    await this.host.layOutGame(this.gameDir);
    await this.writeManifest(target, 'linux');
    this.line(`Success! App '${APP_ID}' fully installed.`);
    return true;
  }

  /** The Windows half of the bootstrap: Steam accepts the app, and the manifest records it. */
  private async windowsBootstrap(installed: InstalledManifest | null, target: string): Promise<boolean> {
    this.line(progressLine('0x3', 'reconfiguring', 0, 0));
    if (installed === null) await this.writeManifest(target, 'windows');
    this.line(`Success! App '${APP_ID}' fully installed.`);
    return true;
  }

  private async failsThisRun(): Promise<boolean> {
    const { failAt, failTimes } = this.host.options;
    if (failAt === null) return false;
    return failTimes === null || (await this.host.failuresSoFar()) < failTimes;
  }

  private appInfoPrint(appId: string): boolean {
    if (!this.loggedIn || appId !== APP_ID) {
      this.line(`No app info for AppID ${appId} found, requesting...`);
      return false;
    }
    const buildid = this.host.options.remoteBuildid;
    const updated = String(Math.floor(Date.now() / 1000));
    this.line(`AppID : ${APP_ID}, change number : 27000000/0, last change : ${new Date().toUTCString()}`);
    const info = formatVdf(APP_ID, {
      common: { name: APP_NAME, type: 'Tool', oslist: 'windows,linux', gameid: APP_ID },
      config: { installdir: APP_NAME },
      depots: {
        '222861': { name: 'Left 4 Dead 2 Dedicated Server Content', config: { oslist: 'windows,linux' } },
        branches: { public: { buildid, timeupdated: updated } },
      },
    });
    for (const line of info.trimEnd().split('\n')) this.line(line);
    return true;
  }
}
