import type { Config } from '../config/config.js';
import type { DatabaseHandle } from '../db/connect.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import {
  type AutoUpdateOptions,
  AutoUpdater,
  DEFAULT_EMPTY_POLL_MS,
  DEFAULT_FIRST_CHECK_MS,
} from './auto-update.js';
import {
  DEFAULT_CHECK_TIMEOUT_MS,
  Installer,
  type InstallerSettings,
  type LiveInstall,
} from './installer.js';
import { InstallStore } from './store.js';

/** The install settings of the panel's configuration (STEAMCMD, INSTALL_MIN_FREE_GB, SRCDS_DIR...). */
export function installerSettings(
  config: Config,
  overrides: Partial<InstallerSettings> = {},
): InstallerSettings {
  return {
    srcdsDir: config.srcdsDir,
    dataDir: config.dataDir,
    steamcmd: config.steamcmd,
    minFreeGb: config.installMinFreeGb,
    env: process.env,
    checkTimeoutMs: DEFAULT_CHECK_TIMEOUT_MS,
    job: {},
    ...overrides,
  };
}

/**
 * What a job asks of the supervisor (always the current one: a panel that loses the supervision lease
 * gets a new Supervisor): hold the servers while SteamCMD runs, let them go after.
 */
export function liveInstall(supervisor: () => Supervisor): LiveInstall {
  return {
    beforeJob: () => supervisor().holdForUpdate(),
    afterJob: (job, filesUsable) => supervisor().releaseUpdateHold(filesUsable ? null : job.error),
  };
}

/** The panel's Installer on its database, holding the servers of the current supervisor. */
export function panelInstaller(
  config: Config,
  database: DatabaseHandle,
  supervisor: () => Supervisor,
  log: { error(object: unknown, message?: string): void },
): Installer {
  return new Installer(
    new InstallStore(database.db),
    installerSettings(config),
    liveInstall(supervisor),
    () => new Date(),
    log,
  );
}

/** UPDATE_CHECK_HOURS and AUTO_UPDATE for the panel's Installer. */
export function panelAutoUpdater(
  config: Config,
  installer: Installer,
  supervisor: () => Supervisor,
  log: { info(message: string): void; error(message: string): void },
  overrides: Partial<AutoUpdateOptions> = {},
): AutoUpdater {
  return new AutoUpdater(installer, {
    checkEveryMs: config.updateCheckHours * 3_600_000,
    policy: config.autoUpdate,
    serversEmpty: () => supervisor().everyServerEmpty(),
    emptyPollMs: DEFAULT_EMPTY_POLL_MS,
    firstCheckMs: DEFAULT_FIRST_CHECK_MS,
    log,
    ...overrides,
  });
}
