import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { InstancePaths } from '../instances/layout.js';
import { addonSetForLaunch } from './blueprint-addons.js';
import { linkAddons } from './link.js';
import { clearRestartRequired } from './restart.js';
import { AddonStore } from './store.js';

/**
 * What a launch does for addons, after the instance build and before the spawn: the blueprint's
 * addons linked into the instance (`link.ts`), and the server's `restart_required` cleared, since it
 * now starts with them. Throws AddonLaunchError when SourceMod is on but cannot be had.
 */
export class AddonLinker {
  private readonly store: AddonStore;

  constructor(
    private readonly db: Kysely<Database>,
    dataDir: string,
  ) {
    this.store = new AddonStore(dataDir);
  }

  async prepare(
    serverId: number,
    paths: InstancePaths,
    blueprint: { id: number; sourcemod: string },
  ): Promise<void> {
    await linkAddons(paths, await addonSetForLaunch(this.db, this.store, blueprint));
    await clearRestartRequired(this.db, serverId);
  }
}
