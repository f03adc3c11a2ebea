import { GAME_VERSION } from './a2s.js';

export type LogLine = (line: string) => void;

/** srcds prints its console to stdout; the panel captures it as the server's console log. */
export const consoleLog: LogLine = (line) => {
  process.stdout.write(`${line}\n`);
};

export const errorLog: LogLine = (line) => {
  process.stderr.write(`${line}\n`);
};

export function printBanner(log: LogLine, ip: string, port: number, clientPort: number): void {
  log('Console initialized.');
  log('Using breakpad minidump system 550/2243/0/0');
  log('Game.dll loaded for "Left 4 Dead 2"');
  log('Setting breakpad minidump AppID = 222860');
  log('l4d2web srcds simulator: this is not a real game server.');
  log(`Network: IP ${ip}, mode MP, dedicated Yes, ports ${port} SV / ${clientPort} CL`);
}

export function printOnline(log: LogLine): void {
  log('Connection to Steam servers successful.');
  log('   VAC secure mode is activated.');
  log(`Server version ${GAME_VERSION} (simulated) is ready.`);
}

/** mm:ss, or h:mm:ss after an hour, as `status` shows connection times. */
export function formatDuration(seconds: number): string {
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
