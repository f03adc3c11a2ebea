import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitCommands } from './tokenize.js';

export function cfgDir(rootDir: string, game = 'left4dead2'): string {
  return path.join(rootDir, game, 'cfg');
}

/** The commands of a cfg file's text, one per entry; comments and blank lines dropped. */
export function parseCfg(text: string): string[] {
  return text.split(/\r?\n/).flatMap(splitCommands);
}

/**
 * srcds's COM_IsValidPath, which `exec` checks first ("exec NAME: invalid path."): no `..` (leaving
 * cfg/, e.g. for another server's cfg), no `:` or `\\`; and no absolute path, which srcds would
 * read inside cfg/ anyway.
 */
export function isValidCfgPath(name: string): boolean {
  return name !== '' && !/\.\.|:|\\|[\r\n]/.test(name) && !path.isAbsolute(name);
}

/** Resolves `exec NAME` like srcds: relative to cfg/, `.cfg` appended when missing, no escaping the dir. */
export function resolveCfgPath(dir: string, name: string): string | undefined {
  if (!isValidCfgPath(name)) return undefined;
  return path.join(dir, name.endsWith('.cfg') ? name : `${name}.cfg`);
}

/** The commands of cfg/NAME, or undefined when the file cannot be read. Sync: srcds blocks on exec too. */
export function readCfg(dir: string, name: string): string[] | undefined {
  const file = resolveCfgPath(dir, name);
  if (file === undefined) return undefined;
  try {
    return parseCfg(readFileSync(file, 'latin1'));
  } catch {
    return undefined;
  }
}
