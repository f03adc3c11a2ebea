import type { AddonServices } from './addons/service.js';
import type { SessionStreams } from './auth/session-streams.js';
import type { Config } from './config/config.js';
import type { DatabaseHandle } from './db/connect.js';
import type { SupervisorControl } from './supervisor/control.js';

/** Everything the routes need, built once by the caller (main, tests, benchmarks) and given to buildApp. */
export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  supervisor: SupervisorControl;
  /** The addon store, events and Workshop queue; buildApp makes its own when none is given (tests). */
  addons?: AddonServices;
}

/** What the feature routes get: the app's dependencies and what buildApp makes for them. */
export interface RouteDeps extends AppDeps {
  /** Ends sessions and the event streams opened under them. */
  sessions: SessionStreams;
  addons: AddonServices;
}
