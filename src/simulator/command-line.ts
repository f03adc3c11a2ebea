/** What the simulator needs from srcds's command line. */
export interface CommandLine {
  /**
   * The game root: where the srcds_run that launched us was called from (`--root DIR`, else cwd). In a
   * panel's instance directory that is the instance, not the install its srcds_run links to.
   */
  rootDir: string;
  game: string;
  port: number;
  clientPort: number;
  ip: string;
  strictPortBind: boolean;
  /** `+name args...` console commands, in the order given; srcds runs them after start-up. */
  commands: string[];
}

export const DEFAULT_PORT = 27015;
export const DEFAULT_CLIENT_PORT = 27005;
/** srcds binds 0.0.0.0 by default; the simulator binds loopback unless told otherwise, to stay private. */
export const DEFAULT_IP = '127.0.0.1';

/** Consumed while binding, not run as console commands. */
const NETWORK_COMMANDS = new Set(['ip', 'port', 'hostport', 'clientport']);
const NUMBER = /^[-+]?\d+(\.\d+)?$/;

function isOption(token: string): boolean {
  return (token.startsWith('-') || token.startsWith('+')) && !NUMBER.test(token);
}

function parsePort(value: string | undefined, option: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid ${option} "${value ?? ''}"`);
  }
  return port;
}

/** Parses srcds's `-option [value]` and `+command [args...]` tokens. Throws on a bad port. */
export function parseCommandLine(argv: readonly string[], cwd: string): CommandLine {
  const options = new Map<string, string | true>();
  const commands: Array<{ name: string; args: string[] }> = [];
  let rootDir = cwd;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--root') {
      rootDir = argv[++i] ?? cwd;
    } else if (token.startsWith('+')) {
      const args: string[] = [];
      while (i + 1 < argv.length && !isOption(argv[i + 1] ?? '')) args.push(argv[++i] ?? '');
      commands.push({ name: token.slice(1).toLowerCase(), args });
    } else if (token.startsWith('-')) {
      const next = argv[i + 1];
      const takesValue = next !== undefined && !isOption(next);
      options.set(token.slice(1).toLowerCase(), takesValue ? next : true);
      if (takesValue) i++;
    }
  }
  const value = (name: string): string | undefined => {
    const option = options.get(name);
    return typeof option === 'string' ? option : undefined;
  };
  // +ip / +hostport / +clientport are console-variable spellings of the same settings.
  const commandValue = (name: string): string | undefined => commands.find((c) => c.name === name)?.args[0];
  const portText = value('port') ?? commandValue('hostport') ?? commandValue('port');
  const clientPortText = commandValue('clientport') ?? value('clientport');
  return {
    rootDir,
    game: value('game') ?? 'left4dead2',
    port: portText === undefined ? DEFAULT_PORT : parsePort(portText, '-port'),
    clientPort: clientPortText === undefined ? DEFAULT_CLIENT_PORT : parsePort(clientPortText, '+clientport'),
    ip: value('ip') ?? commandValue('ip') ?? DEFAULT_IP,
    strictPortBind: options.has('strictportbind'),
    commands: commands
      .filter((c) => !NETWORK_COMMANDS.has(c.name))
      .map((c) => [c.name, ...c.args.map(quoteIfNeeded)].join(' ')),
  };
}

function quoteIfNeeded(arg: string): string {
  return /[\s;"]/.test(arg) || arg === '' ? `"${arg.replaceAll('"', '')}"` : arg;
}
