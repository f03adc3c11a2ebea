/**
 * What the supervisor refuses, as its own errors: the routes turn them into the contract's answers
 * (src/servers/console.ts: 409 and 502), so the supervisor knows nothing of HTTP.
 */
export class SupervisorError extends Error {}

/** An RCON command for a server that is not running (or not supervised by this panel). */
export class ServerNotRunning extends SupervisorError {
  constructor() {
    super('server is not running');
  }
}

/** The server did not take the command: no connection, a bad password, a timeout... */
export class RconFailed extends SupervisorError {
  constructor(readonly reason: string) {
    super(`rcon: ${reason}`);
  }
}
