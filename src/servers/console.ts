import { AppError } from '../http/errors.js';
import type { SupervisorControl } from '../supervisor/control.js';
import { RconFailed, ServerNotRunning } from '../supervisor/errors.js';

/**
 * A console command through the supervisor, its refusals as the contract's answers: 409 "server is
 * not running", 502 "rcon: <reason>".
 */
export async function runConsoleCommand(
  supervisor: SupervisorControl,
  serverId: number,
  command: string,
): Promise<string> {
  try {
    return await supervisor.rcon(serverId, command);
  } catch (error) {
    if (error instanceof ServerNotRunning) throw new AppError(409, error.message);
    if (error instanceof RconFailed) throw new AppError(502, error.message);
    throw error;
  }
}
