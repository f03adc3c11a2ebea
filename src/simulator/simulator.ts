import type { Server } from 'node:net';
import { answerQueries } from './a2s.js';
import { type MountedAddons, mountAddons, NO_ADDONS } from './addons.js';
import { type BoundSockets, bindPorts } from './bind.js';
import { cfgDir } from './cfg.js';
import type { CommandLine } from './command-line.js';
import { type CommandHost, CommandRunner } from './commands.js';
import { type LogLine, printBanner, printOnline } from './console.js';
import type { Faults } from './faults.js';
import { serveRcon } from './rcon.js';
import { ServerLog } from './server-log.js';
import { GameState } from './state.js';

const SURVIVORS = ['Coach', 'Ellis', 'Nick', 'Rochelle', 'Bill', 'Francis', 'Louis', 'Zoey'];

export interface SimulatorIo {
  log: LogLine;
  error: LogLine;
  exit(code: number): never;
  /** Dies the way a crashed srcds does. */
  crash(): void;
}

/** One simulated srcds: bound ports, game state, A2S, RCON and the configured faults. */
export class Simulator implements CommandHost {
  readonly state = new GameState();
  readonly runner = new CommandRunner(this);
  readonly cfgDir: string;
  address = '';
  port = 0;
  mapLoaded = false;
  addons: MountedAddons = NO_ADDONS;
  private ready = false;
  private hung = false;
  private readyWaiters: Array<() => void> = [];
  private pending: (() => void) | undefined;
  private sockets: BoundSockets | undefined;
  private rcon: { closeAll(): void } | undefined;
  private serverLog: ServerLog | undefined;
  /** What a memory hog holds on to. */
  private readonly hoard: Buffer[] = [];

  constructor(
    private readonly commandLine: CommandLine,
    private readonly faults: Faults,
    private readonly io: SimulatorIo,
  ) {
    this.cfgDir = cfgDir(commandLine.rootDir, commandLine.game);
  }

  get log(): LogLine {
    return this.io.log;
  }

  get crashOnMapChange(): boolean {
    return this.faults.crashOnMapChange;
  }

  /** Binds (throws PortBindError), runs the command line, then becomes responsive after any start delay. */
  async start(): Promise<void> {
    const { ip, port, clientPort, strictPortBind } = this.commandLine;
    printBanner(this.log, ip, port, clientPort);
    this.sockets = await bindPorts(ip, port, clientPort, strictPortBind, this.log);
    this.port = this.sockets.gamePort;
    this.address = `${ip}:${this.port}`;
    this.serverLog = new ServerLog(this.commandLine.rootDir, this.commandLine.game);
    answerQueries(this.sockets.udp, this);
    this.rcon = serveRcon(this.sockets.tcp as Server, {
      log: this.log,
      runner: this.runner,
      rconPassword: () => this.state.getCvar('rcon_password'),
      whenResponsive: () => this.whenResponsive(),
      afterReply: () => this.afterReply(),
    });
    this.scheduleFaults();
    // srcds mounts addons/ before the command line's +map picks the first map.
    this.addons = await mountAddons(this.commandLine.rootDir, this.commandLine.game, this.log);
    for (const command of this.commandLine.commands) this.runConsole(command);
    // L4D2 runs server.cfg when the first map loads, after the command line.
    this.log(`Loading map "${this.state.map}"`);
    this.serverLog.line(`Loading map "${this.state.map}"`);
    this.mapLoaded = true;
    this.runConsole('exec server.cfg');
    this.log(`Started map "${this.state.map}"`);
    this.serverLog.line(`Started map "${this.state.map}"`);
    for (let i = 0; i < this.faults.players; i++)
      this.runConsole(`sim_addplayer ${SURVIVORS[i % 8]}${i >= 8 ? i : ''}`);
    setTimeout(() => this.becomeReady(), this.faults.startDelayMs);
  }

  private runConsole(command: string): void {
    const output = this.runner.run(command, 'console');
    for (const line of output.split('\n').filter((l) => l !== '')) this.log(line);
    this.afterReply();
  }

  private scheduleFaults(): void {
    const { crashAfterMs, hangAfterMs, allocateMb, allocateAfterMs } = this.faults;
    if (allocateMb !== undefined) setTimeout(() => this.allocate(allocateMb), allocateAfterMs ?? 0);
    if (crashAfterMs !== undefined)
      setTimeout(() => this.crash(`crashAfterMs ${crashAfterMs}`), crashAfterMs);
    if (hangAfterMs === 0) this.hung = true;
    else if (hangAfterMs !== undefined) setTimeout(() => this.hang(), hangAfterMs);
  }

  private becomeReady(): void {
    if (this.hung) return;
    printOnline(this.log);
    this.ready = true;
    for (const wake of this.readyWaiters.splice(0)) wake();
  }

  isResponsive(): boolean {
    return this.ready && !this.hung;
  }

  whenResponsive(): Promise<void> {
    if (this.isResponsive()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  requestQuit(): void {
    this.pending = () => this.shutdown('quit');
  }

  requestCrash(reason: string): void {
    this.pending = () => this.crash(reason);
  }

  requestHang(): void {
    this.pending = () => this.hang();
  }

  requestAllocate(megabytes: number): void {
    this.pending = () => this.allocate(megabytes);
  }

  /**
   * Allocates and writes to every page (untouched pages cost no memory) and keeps it, 8 MB per turn
   * of the event loop, so the reply that asked for it still goes out, as a leak grows.
   */
  private allocate(megabytes: number): void {
    this.log(`Simulated memory hog: allocating ${megabytes} MB`);
    const target = this.hoard.length + megabytes;
    const step = () => {
      for (let i = 0; i < 8 && this.hoard.length < target; i++)
        this.hoard.push(Buffer.allocUnsafeSlow(1 << 20).fill(this.hoard.length & 0xff));
      if (this.hoard.length < target) setImmediate(step);
      else this.log(`Simulated memory hog: holding ${this.hoard.length} MB`);
    };
    setImmediate(step);
  }

  private afterReply(): void {
    const action = this.pending;
    this.pending = undefined;
    action?.();
  }

  private hang(): void {
    this.hung = true;
    this.readyWaiters = [];
  }

  /** SIGTERM/SIGINT: a clean exit, unless a hang fault says the process no longer reacts. */
  onSignal(signal: NodeJS.Signals): void {
    if (this.hung && this.faults.hangIgnoresSigterm) return;
    this.shutdown(signal);
  }

  shutdown(reason: string): never {
    this.log(`Server shutting down (${reason}).`);
    this.serverLog?.line('Log file closed');
    this.rcon?.closeAll();
    this.sockets?.udp.close();
    this.sockets?.clientUdp.close();
    return this.io.exit(0);
  }

  private crash(reason: string): void {
    this.log(`Simulated crash: ${reason}`);
    this.io.error('Segmentation fault');
    this.io.crash();
  }
}
