import type { AddonServices } from './addons/service.js';
import type { LoginLimiter } from './auth/login-limiter.js';
import type { SecretKey } from './auth/secret-key.js';
import type { SessionStreams } from './auth/session-streams.js';
import type { Config } from './config/config.js';
import type { DatabaseHandle } from './db/connect.js';
import type { InstallControl } from './install/control.js';
import type { AccessWatch } from './servers/access-watch.js';
import type { SupervisorControl } from './supervisor/control.js';

/** Everything the routes need, built once by the caller (main, tests, benchmarks) and given to buildApp. */
export interface AppDeps {
  config: Config;
  database: DatabaseHandle;
  supervisor: SupervisorControl;
  /** The addon store, events and Workshop queue; buildApp makes its own when none is given (tests). */
  addons?: AddonServices;
  /** Installing and updating the game (src/install/). */
  install: InstallControl;
}

/** What the feature routes get: the app's dependencies and what buildApp makes for them. */
export interface RouteDeps extends AppDeps {
  /** Ends sessions and the event streams opened under them. */
  sessions: SessionStreams;
  addons: AddonServices;
  /** Failed sign-ins (wrong passwords and wrong two-factor codes) per address and account. */
  logins: LoginLimiter;
  /** DATA_DIR's key: encrypts two-factor secrets, signs pending logins. */
  secretKey: SecretKey;
  /** Tells open streams when a user's access to a server changes. */
  accessWatch: AccessWatch;
}
