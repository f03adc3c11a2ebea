import { codePointLabel, escapeUnprintable } from '../http/characters.js';

/**
 * The allow-list grammar of what a user may hand to srcds (design/hardening.md): launch arguments,
 * cfg lines and console commands. Each check says why a value is refused, naming the option, line
 * or command as the user wrote it. Pure: blueprints, the console routes and the supervisor's last
 * look before a launch all ask here.
 */

/** Where a command comes from. A name refused at the console is refused in a cfg and on the launch line too. */
type Source = 'console' | 'cfg' | 'launch';
const reach: Record<Source, number> = { console: 0, cfg: 1, launch: 2 };

const PANEL = 'is set by the panel and cannot be given';
const SRCDS_RUN = 'is an option of srcds_run, which the panel runs';
const RUNS_CFG = 'runs a cfg file, which only the panel does';
const ENDS = 'ends the server process: use Stop or Restart';
const WRITES = 'writes files on the host, which the panel does not allow';
const NATIVE = "loads native code, which only the blueprint's Metamod:Source and SourceMod bring";

/** Console commands and cvars a user may not run or set, case-insensitive; `*` ends a prefix. */
const refusedCommands: [name: string, reason: string, from: Source][] = [
  ['exec', RUNS_CFG, 'console'],
  ['sm_execcfg', RUNS_CFG, 'console'],
  ['rcon_password', PANEL, 'console'],
  ['sv_rcon_*', PANEL, 'console'],
  ['quit', ENDS, 'console'],
  ['exit', ENDS, 'console'],
  ['_restart', ENDS, 'console'],
  ['killserver', ENDS, 'console'],
  ['con_logfile', WRITES, 'console'],
  ['writeip', WRITES, 'console'],
  ['writeid', WRITES, 'console'],
  // SourceMod's sm_dump_* write their report to any path given, absolute ones too.
  ['sm_dump_*', WRITES, 'console'],
  ['plugin_load', 'loads a plugin binary, which the panel does not allow', 'console'],
  // The addresses and ports: the panel binds them on the launch line.
  ['ip', PANEL, 'cfg'],
  ['hostport', PANEL, 'cfg'],
  ['clientport', PANEL, 'cfg'],
  ['port', PANEL, 'launch'],
  ['tv_port', PANEL, 'launch'],
  ['hostip', PANEL, 'launch'],
];

/** `-name` options of the launch line: the panel's own, and srcds_run's process options. */
const refusedOptions = new Map<string, string>([
  ...['game', 'port', 'hostport', 'clientport', 'tvport', 'strictportbind', 'norestart', 'nohltv', 'ip'].map(
    (name): [string, string] => [name, PANEL],
  ),
  ...[
    'binary',
    'pidfile',
    'debug',
    'gdb',
    'debuglog',
    'autoupdate',
    'steam_dir',
    'steamcmd_script',
    'timeout',
    'notimeout',
    'fork',
  ].map((name): [string, string] => [name, SRCDS_RUN]),
]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `-800`, `-0.5`: values, not options. */
const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)$/;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

const MAX_ARGUMENTS = 64;
const MAX_ARGUMENT_LENGTH = 256;
const MAX_CONFIG_LINES = 1000;
const MAX_CONFIG_LINE_LENGTH = 512;

/** Text quoted for a message: verbatim, except what is not printable ASCII (\uXXXX), cut after `max`. */
function quoted(text: string, max = Number.POSITIVE_INFINITY): string {
  const shown = text.length > max ? `${text.slice(0, max)}...` : text;
  return `"${escapeUnprintable(shown)}"`;
}

/** "contains U+00E9, which is not printable ASCII", or null when text is printable ASCII. */
function unprintable(text: string): string | null {
  const index = text.search(NOT_PRINTABLE_ASCII);
  if (index < 0) return null;
  const char = String.fromCodePoint(text.codePointAt(index) ?? 0);
  return `contains ${codePointLabel(char)}, which is not printable ASCII`;
}

function commandReason(name: string, source: Source): string | null {
  const key = name.toLowerCase();
  for (const [pattern, reason, from] of refusedCommands) {
    if (reach[from] > reach[source]) continue;
    if (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern) return reason;
  }
  return null;
}

/**
 * Commands that run, or change, another command or cvar named in their arguments. What they name is
 * checked as if given directly: `alias x "rcon_password y"` and then `x` must not get through.
 */
function wrappedCommands(name: string, args: string[]): string[] {
  switch (name.toLowerCase()) {
    case 'alias':
      // Its name too: an alias called `quit` must not stand in for the panel's own stop.
      return [args[0] ?? '', ...args.slice(1).join(' ').split(';')];
    case 'sm_rcon':
      return args.join(' ').split(';');
    case 'incrementvar':
    case 'multvar':
    case 'toggle':
    case 'sm_cvar':
    case 'sm_resetcvar':
      return args.slice(0, 1);
    default:
      return [];
  }
}

interface Refused {
  /** The refused name as the user wrote it. */
  name: string;
  reason: string;
}

/**
 * Metamod:Source's `meta` and SourceMod's `sm` menus, allow-listed: what only reports, and SourceMod
 * plugins (which come from the blueprint's plugins folder). Loading native code by path (`meta load`,
 * `sm exts load`) and the rest (`sm config`, `sm prof` writing files...) are refused.
 */
const allowedMenus: Record<string, Record<string, readonly string[] | 'any'>> = {
  meta: { version: 'any', list: 'any', info: 'any', game: 'any', credits: 'any', cmds: 'any', cvars: 'any' },
  sm: {
    version: 'any',
    plugins: 'any',
    exts: ['list', 'info'],
    cmds: 'any',
    cvars: 'any',
    credits: 'any',
  },
};

function menuRefusal(name: string, args: string[]): Refused | null {
  const menu = allowedMenus[name.toLowerCase()];
  const [sub = '', action = ''] = args;
  if (!menu || sub === '') return null;
  const allowed = menu[sub.toLowerCase()];
  if (allowed === 'any') return null;
  if (allowed?.includes(action.toLowerCase())) return null;
  const native = ['load', 'retry', 'reload'].includes((allowed ? action : sub).toLowerCase());
  return {
    name: [name, sub, ...(allowed ? [action] : [])].join(' ').trim(),
    reason: native ? NATIVE : 'is not among the Metamod:Source and SourceMod commands the panel allows',
  };
}

/** The first refused name in a command or what it wraps; quotes are dropped, as srcds drops them. */
function refusedIn(command: string, source: Source): Refused | null {
  const [name = '', ...args] = command.replaceAll('"', ' ').trim().split(/\s+/);
  const reason = commandReason(name, source);
  if (reason) return { name, reason };
  const menu = menuRefusal(name, args);
  if (menu) return menu;
  for (const inner of wrappedCommands(name, args)) {
    const refused = refusedIn(inner, source);
    if (refused) return refused;
  }
  return null;
}

/** The command name a line starts with: up to the first space or quote. */
const firstWord = (text: string) => text.trimStart().split(/[\s"]/, 1)[0] ?? '';

/** `..` as a path step (`../x`, `a/..`), which would leave the server's own folder. */
const PATH_UP = /(^|[\s/\\"=])\.\.($|[\s/\\"])/;

/**
 * Why one console command (POST /servers/:id/rcon) is refused, or null. One command per request:
 * no `;`, no line break, printable ASCII, a command name first, none the panel keeps for itself.
 */
export function consoleCommandProblem(command: string): string | null {
  if (/[\r\n]/.test(command)) return 'must be one command on one line';
  const bad = unprintable(command);
  if (bad) return `${quoted(command)} ${bad}`;
  if (command.includes(';')) return `${quoted(command)} contains ";": send one command at a time`;
  if (!NAME.test(firstWord(command))) return `${quoted(command)} must start with a command name`;
  if (PATH_UP.test(command)) return `${quoted(command)} contains "..", which would leave the server's folder`;
  const refused = refusedIn(command, 'console');
  return refused && `"${refused.name}" ${refused.reason}`;
}

/** Is there a `;` outside double quotes? (srcds runs what follows it as another command.) */
function semicolonOutsideQuotes(line: string): boolean {
  let quotedPart = false;
  for (const char of line) {
    if (char === '"') quotedPart = !quotedPart;
    else if (char === ';' && !quotedPart) return true;
  }
  return false;
}

/** Why one cfg line is refused, or null: blank, a `//` comment, or `NAME [VALUE...]`. */
function configLineProblem(line: string): string | null {
  if (line.length > MAX_CONFIG_LINE_LENGTH) return `is longer than ${MAX_CONFIG_LINE_LENGTH} characters`;
  const bad = unprintable(line);
  if (bad) return bad;
  const text = line.trim();
  if (text === '' || text.startsWith('//')) return null;
  if ((text.match(/"/g)?.length ?? 0) % 2 !== 0) return 'has an unbalanced double quote';
  if (semicolonOutsideQuotes(text)) return 'contains ";" outside quotes: one command per line';
  if (text.includes('..')) return 'contains ".."';
  if (!NAME.test(firstWord(text)))
    return 'must be blank, a // comment, or a name (letters, digits, "_") and its values';
  const refused = refusedIn(text, 'cfg');
  return refused && `"${refused.name}" ${refused.reason}`;
}

/** Why a blueprint's cfg lines are refused, each naming its line (number and text); empty when fine. */
export function configProblems(lines: string[]): string[] {
  const problems = lines.length > MAX_CONFIG_LINES ? [`at most ${MAX_CONFIG_LINES} lines`] : [];
  lines.forEach((line, index) => {
    const problem = configLineProblem(line);
    if (problem) problems.push(`line ${index + 1} ${quoted(line, 60)}: ${problem}`);
  });
  return problems;
}

/** Characters no launch argument may hold: srcds would split a command at `;`, and srcds_run's
 * shell would read quotes and backslashes, and expand `*` and `?` against the disk. */
const FORBIDDEN_IN_ARGUMENTS = [';', '"', "'", '`', '\\', '*', '?'];

/** What is wrong with an argument's characters, or null. */
function argumentTextProblem(arg: string, index: number): string | null {
  if (arg.trim() === '') return `argument ${index + 1} is empty`;
  if (arg.length > MAX_ARGUMENT_LENGTH)
    return `${quoted(arg, 40)} is longer than ${MAX_ARGUMENT_LENGTH} characters`;
  const bad = unprintable(arg);
  if (bad) return `${quoted(arg)} ${bad}`;
  const forbidden = FORBIDDEN_IN_ARGUMENTS.find((char) => arg.includes(char));
  if (forbidden) return `"${arg}" contains ${forbidden === '"' ? `'"'` : `"${forbidden}"`}`;
  if (arg.includes('..')) return `"${arg}" contains ".."`;
  return null;
}

/** A word of the launch line after srcds_run re-split it, and the argument it came from. */
interface Piece {
  text: string;
  argument: number;
}

/**
 * The words srcds sees: srcds_run re-splits every argument on whitespace, and a `+` inside a word
 * (`a+rcon_password`) may start a command of its own, so it starts a new piece here.
 */
function launchPieces(args: string[]): Piece[] {
  return args.flatMap((arg, argument) =>
    arg
      .split(' ')
      .filter((word) => word !== '')
      .flatMap((word) => word.split(/(?=\+)/).map((text) => ({ text, argument }))),
  );
}

const isOption = (text: string) => /^[+-]/.test(text) && !NEGATIVE_NUMBER.test(text);

/**
 * Why launch arguments are refused, each naming the argument or option; empty when fine. Each
 * argument is an option (`+name` or `-name`) with its values, or values of the option before it.
 */
export function argumentsProblems(args: string[]): string[] {
  // The most telling problem of each argument: its text, then a refused or malformed option, then its place.
  const found = new Map<number, [rank: number, message: string]>();
  const note = (argument: number, rank: number, message: string) => {
    const known = found.get(argument);
    if (!known || rank < known[0]) found.set(argument, [rank, message]);
  };
  args.forEach((arg, index) => {
    const problem = argumentTextProblem(arg, index);
    if (problem) note(index, 0, problem);
  });

  let command: { piece: Piece; values: string[] } | null = null;
  const endCommand = () => {
    if (!command) return;
    const { piece, values } = command;
    const refused = refusedIn([piece.text.slice(1), ...values].join(' '), 'launch');
    // Named as written: `+RCON_PASSWORD` itself, or the name an alias or the like wraps.
    const name = refused && refused.name === piece.text.slice(1) ? piece.text : refused?.name;
    if (refused) note(piece.argument, 1, `"${name}" ${refused.reason}`);
    command = null;
  };
  const pieces = launchPieces(args);
  pieces.forEach((piece, index) => {
    if (!isOption(piece.text)) {
      if (index === 0)
        note(
          piece.argument,
          2,
          `"${args[piece.argument]}" must start with an option (+name or -name): a value may not come first`,
        );
      command?.values.push(piece.text);
      return;
    }
    endCommand();
    const name = piece.text.slice(1);
    if (!NAME.test(name)) {
      note(
        piece.argument,
        1,
        `"${piece.text}" is not an option: + or - comes before a name of letters, digits and "_"`,
      );
    } else if (piece.text.startsWith('+')) {
      command = { piece, values: [] };
    } else {
      const reason = refusedOptions.get(name.toLowerCase());
      if (reason) note(piece.argument, 1, `"${piece.text}" ${reason}`);
    }
  });
  endCommand();

  const problems = args.length > MAX_ARGUMENTS ? [`at most ${MAX_ARGUMENTS} arguments`] : [];
  return [...problems, ...[...found].sort(([a], [b]) => a - b).map(([, [, message]]) => message)];
}
