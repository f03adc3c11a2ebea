import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import { AddonEvents } from './events.js';
import { SteamWebApi } from './steam-api.js';
import { AddonStore } from './store.js';
import { Workshop } from './workshop.js';

/**
 * The addons feature's long-lived parts, made once per panel: the content store, the change events
 * the library streams, and the Workshop (Steam Web API client and download queue).
 *
 * For the rest of the panel: `refreshWorkshop()` is the Workshop's share of the periodic update check
 * (UPDATE_CHECK_HOURS): the install side's check calls it; it downloads items Steam says are newer
 * and flags the servers running them `restart_required`.
 */
export class AddonServices {
  readonly store: AddonStore;
  readonly events = new AddonEvents();
  readonly workshop: Workshop;

  constructor(
    readonly config: Pick<Config, 'dataDir' | 'steamApiUrl' | 'maxUploadBytes'>,
    readonly db: Kysely<Database>,
    warn: (message: string) => void = () => {},
  ) {
    this.store = new AddonStore(config.dataDir);
    this.workshop = new Workshop({
      db,
      store: this.store,
      events: this.events,
      api: new SteamWebApi(config.steamApiUrl),
      warn,
    });
  }

  /**
   * Clears what a crash left half-written and content no addon refers to any more, then restarts
   * the downloads a stop cut off.
   */
  async start(): Promise<void> {
    await this.store.clearTemp();
    const rows = await this.db.selectFrom('addons').select('content_key').distinct().execute();
    await this.store.sweep(new Set(rows.map((row) => row.content_key)));
    await this.workshop.resume();
  }

  /** Cuts running downloads off; their addons stay queued for the next start. */
  stop(): Promise<void> {
    return this.workshop.stop();
  }

  /** Asks Steam about every stored Workshop item; answers the ids of those being updated. */
  refreshWorkshop(): Promise<string[]> {
    return this.workshop.refresh();
  }
}
