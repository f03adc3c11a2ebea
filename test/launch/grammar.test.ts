import { describe, expect, it } from 'vitest';
import { blueprintProblems, launchRefusal } from '../../src/blueprints/rules.js';
import { argumentsProblems, configProblems, consoleCommandProblem } from '../../src/launch/grammar.js';
import {
  ENDS,
  NATIVE,
  PANEL,
  PLUGIN,
  RUNS_CFG,
  refusedConfigNames,
  refusedOptions,
  SRCDS_RUN,
  WRITES,
} from '../helpers/refusals.js';

describe('launch arguments', () => {
  it.each([
    [['+map c1m1_hotel', '-tickrate 60']],
    [['+map', 'c1m1_hotel']],
    [['+sv_gravity -800', '+sv_friction -0.5']],
    [['+hostname my-game-server', '-insecure', '+sv_lan 1']],
    [['+sv_tags coop+versus']],
    [['-maxplayers 8 +map c2m1_highway']],
    [[]],
  ])('accepts %j', (args) => {
    expect(argumentsProblems(args)).toEqual([]);
  });

  it.each(refusedOptions)('refuses %s, alone, with a value and in any case', (option, reason) => {
    expect(argumentsProblems([option])).toEqual([`"${option}" ${reason}`]);
    expect(argumentsProblems([`${option} 1`])).toEqual([`"${option}" ${reason}`]);
    const upper = option.toUpperCase();
    expect(argumentsProblems(['+map c1m1_hotel', upper])).toEqual([`"${upper}" ${reason}`]);
    // srcds_run re-splits on whitespace: an option hidden after a value counts too.
    expect(argumentsProblems([`+sv_cheats 1 ${option}`])).toEqual([`"${option}" ${reason}`]);
  });

  it.each([
    [['+sv_cheats 1;rcon_password x'], '"+sv_cheats 1;rcon_password x" contains ";"'],
    [['a+rcon_password x'], `"+rcon_password" ${PANEL}`],
    [['+map c1m1_hotel', 'a+rcon_password x'], `"+rcon_password" ${PANEL}`],
    [['"+rcon_password" x'], `""+rcon_password" x" contains '"'`],
    [["+hostname 'x'"], `"+hostname 'x'" contains "'"`],
    [['+hostname `id`'], '"+hostname `id`" contains "`"'],
    [['+hostname a\\b'], '"+hostname a\\b" contains "\\"'],
    [['+map *'], '"+map *" contains "*"'],
    [['+map c?m1'], '"+map c?m1" contains "?"'],
    [['+map ../../other/x'], '"+map ../../other/x" contains ".."'],
    [['-binary /usr/bin/env'], `"-binary" ${SRCDS_RUN}`],
    [['-pidfile /tmp/other.pid'], `"-pidfile" ${SRCDS_RUN}`],
    [['+sv_cheats 1 -debug'], `"-debug" ${SRCDS_RUN}`],
    [['+sv_cheats', '1', '-gdb'], `"-gdb" ${SRCDS_RUN}`],
    [['c1m1_hotel'], '"c1m1_hotel" must start with an option (+name or -name): a value may not come first'],
    [['-800'], '"-800" must start with an option (+name or -name): a value may not come first'],
    [['+1x'], '"+1x" is not an option: + or - comes before a name of letters, digits and "_"'],
    [['+map c1m1', '-'], '"-" is not an option: + or - comes before a name of letters, digits and "_"'],
    [['+map c1m1', ''], 'argument 2 is empty'],
    [['+map c1m1\u200b'], '"+map c1m1\\u200B" contains U+200B, which is not printable ASCII'],
    [['+map\nc1m1'], '"+map\\u000Ac1m1" contains U+000A, which is not printable ASCII'],
    [
      ['+hostname a\ud800'],
      '"+hostname a\\uD800" contains a lone surrogate (U+D800), which is not printable ASCII',
    ],
    // What an alias or a cvar helper names is checked as if given directly.
    [['+alias x rcon_password y', '+x'], `"rcon_password" ${PANEL}`],
    [['+incrementvar sv_rcon_maxfailures 1 20 1'], `"sv_rcon_maxfailures" ${PANEL}`],
  ])('refuses %j: %s', (args, message) => {
    expect(argumentsProblems(args)).toEqual([message]);
  });

  it('lists one problem per bad argument, in order, and the limits', () => {
    expect(argumentsProblems(['+map c1m1', '-debug', '-tickrate 60', '+quit'])).toEqual([
      `"-debug" ${SRCDS_RUN}`,
      `"+quit" ${ENDS}`,
    ]);
    expect(argumentsProblems(Array(65).fill('-insecure'))).toEqual(['at most 64 arguments']);
    expect(argumentsProblems([`+hostname ${'x'.repeat(247)}`])).toEqual([
      `"+hostname ${'x'.repeat(30)}..." is longer than 256 characters`,
    ]);
  });
});

describe('cfg lines', () => {
  it('accepts blank lines, comments and NAME [VALUE...] lines', () => {
    expect(
      configProblems([
        'hostname "My server"',
        '',
        '   ',
        '// a comment; with anything.. in it',
        'sv_tags "a;b"',
        'sv_maxplayers 8',
        'alias greet "say hi; say there"',
      ]),
    ).toEqual([]);
  });

  it.each(refusedConfigNames)('refuses %s in any case, naming the line', (name, reason) => {
    const upper = name.toUpperCase();
    expect(configProblems(['hostname ok', `${upper} x`])).toEqual([
      `line 2 "${upper} x": "${upper}" ${reason}`,
    ]);
  });

  it.each([
    ['sv_cheats 0; rcon_password y', 'contains ";" outside quotes: one command per line'],
    ['hostname "unbalanced', 'has an unbalanced double quote'],
    ['exec ../../servers/2/game/left4dead2/cfg/l4d2web.cfg', 'contains ".."'],
    ['"rcon_password" x', 'must be blank, a // comment, or a name (letters, digits, "_") and its values'],
    ['+jump', 'must be blank, a // comment, or a name (letters, digits, "_") and its values'],
    ['hostname café', 'contains U+00E9, which is not printable ASCII'],
    ['alias x "rcon_password y"', `"rcon_password" ${PANEL}`],
    ['alias x "say hi; exec other"', `"exec" ${RUNS_CFG}`],
    ['exec"x"', `"exec" ${RUNS_CFG}`],
    [`hostname ${'x'.repeat(504)}`, 'is longer than 512 characters'],
  ])('refuses %j', (line, problem) => {
    const [only, ...rest] = configProblems([line]);
    expect(rest).toEqual([]);
    expect(only).toMatch(/^line 1 "/);
    expect(only?.endsWith(`: ${problem}`)).toBe(true);
  });

  it('shows the line verbatim, cut after 60 characters, and limits the count', () => {
    expect(configProblems(['exec x.cfg'])).toEqual([`line 1 "exec x.cfg": "exec" ${RUNS_CFG}`]);
    expect(configProblems([`hostname ${'y'.repeat(600)}`])).toEqual([
      `line 1 "hostname ${'y'.repeat(51)}...": is longer than 512 characters`,
    ]);
    expect(configProblems(Array(1001).fill('sv_cheats 0'))).toEqual(['at most 1000 lines']);
  });
});

describe('console commands', () => {
  it.each([
    'status',
    'say hi...',
    'changelevel c1m1_hotel',
    'kickid 3',
    'sv_cheats 1',
    'say "quoted words"',
    'meta version',
    'meta list',
    'meta',
    'sm version',
    'SM PLUGINS LIST',
    'sm plugins load disabled/mapchooser',
    'sm plugins reload funcommands',
    'sm exts list',
    'sm_reloadadmins',
    'sm_kick Coach',
  ])('accepts %j', (command) => {
    expect(consoleCommandProblem(command)).toBeNull();
  });

  it.each([
    ['exec l4d2web/server-1.cfg', `"exec" ${RUNS_CFG}`],
    ['EXEC x', `"EXEC" ${RUNS_CFG}`],
    ['rcon_password x', `"rcon_password" ${PANEL}`],
    ['sv_rcon_maxfailures 100', `"sv_rcon_maxfailures" ${PANEL}`],
    ['quit', `"quit" ${ENDS}`],
    ['exit', `"exit" ${ENDS}`],
    ['_restart', `"_restart" ${ENDS}`],
    ['killserver', `"killserver" ${ENDS}`],
    ['con_logfile /tmp/x', `"con_logfile" ${WRITES}`],
    ['plugin_load x', `"plugin_load" ${PLUGIN}`],
    ['writeip', `"writeip" ${WRITES}`],
    ['writeid', `"writeid" ${WRITES}`],
    ['status; exec x', '"status; exec x" contains ";": send one command at a time'],
    ['status\nquit', 'must be one command on one line'],
    ['status\rquit', 'must be one command on one line'],
    ['say h\u00e9', '"say h\\u00E9" contains U+00E9, which is not printable ASCII'],
    ['say \u202ex', '"say \\u202Ex" contains U+202E, which is not printable ASCII'],
    ['"exec" x', '""exec" x" must start with a command name'],
    ['exec"x"', `"exec" ${RUNS_CFG}`],
    ['alias x "exec other.cfg"', `"exec" ${RUNS_CFG}`],
    ['alias x rcon_password y', `"rcon_password" ${PANEL}`],
    ['alias quit "say bye"', `"quit" ${ENDS}`],
    ['incrementvar sv_rcon_banpenalty 0 1 1', `"sv_rcon_banpenalty" ${PANEL}`],
    ['sm_cvar rcon_password x', `"rcon_password" ${PANEL}`],
    ['sm_rcon quit', `"quit" ${ENDS}`],
    ['meta load /tmp/evil.so', `"meta load" ${NATIVE}`],
    ['META RETRY 1', `"META RETRY" ${NATIVE}`],
    [
      'meta unload 1',
      '"meta unload" is not among the Metamod:Source and SourceMod commands the panel allows',
    ],
    ['sm exts load /tmp/evil.ext.so', `"sm exts load" ${NATIVE}`],
    ['sm exts reload 1', `"sm exts reload" ${NATIVE}`],
    [
      'sm config Logging off',
      '"sm config" is not among the Metamod:Source and SourceMod commands the panel allows',
    ],
    ['sm prof start', '"sm prof" is not among the Metamod:Source and SourceMod commands the panel allows'],
    ['sm_dump_netprops /home/panel/data/l4d2web.sqlite', `"sm_dump_netprops" ${WRITES}`],
    ['sm_dump_handles log', `"sm_dump_handles" ${WRITES}`],
    ['sm_rcon meta load x', `"meta load" ${NATIVE}`],
    ['sm_execcfg x', `"sm_execcfg" ${RUNS_CFG}`],
    [
      'sm plugins load ../../../x',
      `"sm plugins load ../../../x" contains "..", which would leave the server's folder`,
    ],
    ['sv_logsdir ../../x', `"sv_logsdir ../../x" contains "..", which would leave the server's folder`],
  ])('refuses %j: %s', (command, message) => {
    expect(consoleCommandProblem(command)).toBe(message);
  });
});

describe('Metamod:Source and SourceMod in cfg lines and launch arguments', () => {
  it('refuses loading native code there too', () => {
    expect(configProblems(['meta load addons/evil.so'])).toEqual([
      `line 1 "meta load addons/evil.so": "meta load" ${NATIVE}`,
    ]);
    expect(configProblems(['sm_dump_classes x.txt'])).toEqual([
      `line 1 "sm_dump_classes x.txt": "sm_dump_classes" ${WRITES}`,
    ]);
    expect(argumentsProblems(['+meta load x'])).toEqual([`"meta load" ${NATIVE}`]);
    expect(configProblems(['sm_show_activity 13', 'meta version'])).toEqual([]);
  });
});

describe('a blueprint stored before the rules', () => {
  it('lists each bad argument and line, and refuses to launch with the first', () => {
    const blueprint = { arguments: ['+map c1m1_hotel', '-debug'], config: ['hostname x', 'exec other'] };
    expect(blueprintProblems(blueprint)).toEqual([
      `arguments: "-debug" ${SRCDS_RUN}`,
      `config: line 2 "exec other": "exec" ${RUNS_CFG}`,
    ]);
    expect(
      launchRefusal({
        arguments: JSON.stringify(blueprint.arguments),
        config: JSON.stringify(blueprint.config),
      }),
    ).toBe(
      `the blueprint needs a change: arguments: "-debug" ${SRCDS_RUN} (and 1 more on the blueprint's page)`,
    );
    expect(launchRefusal({ arguments: '["-tickrate 60"]', config: '["sv_cheats 1;quit"]' })).toBe(
      'the blueprint needs a change: config: line 1 "sv_cheats 1;quit": contains ";" outside quotes: one command per line',
    );
    expect(launchRefusal({ arguments: '{"a":1}', config: '[]' })).toBe(
      'the blueprint needs a change: arguments: are not a list of strings',
    );
    expect(launchRefusal({ arguments: '["+map c1m1_hotel"]', config: '["hostname ok"]' })).toBeNull();
  });
});
