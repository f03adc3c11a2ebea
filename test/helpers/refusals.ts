/**
 * The refusals of design/hardening.md, with the exact reasons the panel gives: shared by the grammar's
 * unit tests and the HTTP tests that send them.
 */
export const PANEL = 'is set by the panel and cannot be given';
export const SRCDS_RUN = 'is an option of srcds_run, which the panel runs';
export const RUNS_CFG = 'runs a cfg file, which only the panel does';
export const ENDS = 'ends the server process: use Stop or Restart';
export const WRITES = 'writes files on the host, which the panel does not allow';
export const PLUGIN = 'loads a plugin binary, which the panel does not allow';
export const NATIVE = "loads native code, which only the blueprint's Metamod:Source and SourceMod bring";

/** Every refused option of design/hardening.md, with the reason the panel gives. */
export const refusedOptions: [option: string, reason: string][] = [
  ...[
    '-game',
    '-port',
    '+port',
    '+hostport',
    '-hostport',
    '+clientport',
    '-clientport',
    '+tv_port',
    '-tvport',
    '-strictportbind',
    '-norestart',
    '-nohltv',
    '-ip',
    '+ip',
    '+hostip',
    '+rcon_password',
    '+sv_rcon_banpenalty',
    '+sv_rcon_maxfailures',
  ].map((option): [string, string] => [option, PANEL]),
  ['+exec', RUNS_CFG],
  ...[
    '-binary',
    '-pidfile',
    '-debug',
    '-gdb',
    '-debuglog',
    '-autoupdate',
    '-steam_dir',
    '-steamcmd_script',
    '-timeout',
    '-notimeout',
    '-fork',
  ].map((option): [string, string] => [option, SRCDS_RUN]),
  ['+con_logfile', WRITES],
  ['+writeip', WRITES],
  ['+writeid', WRITES],
  ['+quit', ENDS],
  ['+exit', ENDS],
  ['+_restart', ENDS],
  ['+killserver', ENDS],
  ['+plugin_load', PLUGIN],
];

/** Names a cfg line may not start with (design/hardening.md, Config lines), with the reason. */
export const refusedConfigNames: [name: string, reason: string][] = [
  ['exec', RUNS_CFG],
  ['rcon_password', PANEL],
  ['sv_rcon_banpenalty', PANEL],
  ['quit', ENDS],
  ['exit', ENDS],
  ['_restart', ENDS],
  ['killserver', ENDS],
  ['con_logfile', WRITES],
  ['writeip', WRITES],
  ['writeid', WRITES],
  ['plugin_load', PLUGIN],
  ['ip', PANEL],
  ['hostport', PANEL],
  ['clientport', PANEL],
];

/** Console commands refused (design/hardening.md, Console), with the reason. */
export const refusedConsoleNames = refusedConfigNames.filter(
  ([name]) => !['ip', 'hostport', 'clientport'].includes(name),
);
