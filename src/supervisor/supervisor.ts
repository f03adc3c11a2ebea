import type { DatabaseHandle } from '../db/connect.js';
import type { Config } from '../config/config.js';
import { AppError } from '../http/errors.js';
import type { LiveStatus, ServerEvent, SupervisorControl } from './control.js';

/**
 * Placeholder until the process supervisor lands: records nothing, runs nothing.
 * (Replaced by the supervisor issue; kept so the panel starts.)
 */
export class Supervisor implements SupervisorControl {
  constructor(
    readonly config: Config,
    readonly database: DatabaseHandle,
  ) {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  desiredStateChanged(_serverId: number): void {}
  async restart(_serverId: number): Promise<void> {}
  async removeServer(_serverId: number): Promise<void> {}
  liveStatus(_serverId: number): LiveStatus | null {
    return null;
  }
  async rcon(_serverId: number, _command: string): Promise<string> {
    throw new AppError(409, 'server is not running');
  }
  subscribe(_serverId: number, _listener: (event: ServerEvent) => void): () => void {
    return () => {};
  }
}
