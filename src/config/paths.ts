import path from 'node:path';

/** `$DATA_DIR/servers/<id>`: the pid file and console log of one server. */
export function serverDataDir(dataDir: string, serverId: number): string {
  return path.join(dataDir, 'servers', String(serverId));
}

export function consoleLogPath(dataDir: string, serverId: number): string {
  return path.join(serverDataDir(dataDir, serverId), 'console.log');
}

export function pidFilePath(dataDir: string, serverId: number): string {
  return path.join(serverDataDir(dataDir, serverId), 'pid');
}
