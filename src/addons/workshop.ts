import type { Kysely } from 'kysely';
import type { SessionUser } from '../auth/sessions.js';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { AddonRow, Database } from '../db/schema.js';
import { withoutInvisible } from '../http/characters.js';
import { AppError } from '../http/errors.js';
import type { AddonEvents } from './events.js';
import { AddonFailure, fetchWorkshopItem, type StoredVpk } from './fetch.js';
import { workshopFilename } from './filenames.js';
import { removeUnreferenced } from './library.js';
import { markRestartRequired } from './restart.js';
import {
  itemProblem,
  parseWorkshopReference,
  resolveWorkshop,
  SteamApiError,
  type SteamWebApi,
  type WorkshopDetails,
  WorkshopRefusal,
} from './steam-api.js';
import type { AddonStore } from './store.js';

/**
 * Workshop items in the library: adding an item or a collection (POST /addons), a small download
 * queue (two at a time, progress written at most every 250 ms), and the refresh that the update
 * check runs (`refresh()`): a newer `time_updated` downloads the new file, and servers running the
 * old one get `restart_required`. A row keeps its stored file while a new one downloads, so servers
 * launched meanwhile get the old one rather than none.
 */

export interface WorkshopDeps {
  db: Kysely<Database>;
  store: AddonStore;
  events: AddonEvents;
  api: SteamWebApi;
  /** Problems nobody waits for (a download that failed is on its row; this is for the log). */
  warn?: (message: string) => void;
}

interface Job {
  workshopId: string;
  details?: WorkshopDetails;
}

const CONCURRENCY = 2;
const PROGRESS_EVERY_MS = 250;
const REFERENCE_HELP = 'must be a Workshop item or collection id, or its steamcommunity.com link';

export class Workshop {
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly aborter = new AbortController();
  /** Progress writes under way: a stop waits for them, so none reaches a closed database. */
  private readonly progressWrites = new Set<Promise<void>>();

  constructor(private readonly deps: WorkshopDeps) {}

  /**
   * Adds the items a reference stands for to the user's library; answers their addon ids in order.
   * A refused item alone is a 400 with the contract's sentence; a collection's refused items become
   * failed addons that say why.
   */
  async add(user: SessionUser, reference: string): Promise<number[]> {
    const id = parseWorkshopReference(reference);
    if (id === null) throw new AppError(400, `workshop: ${REFERENCE_HELP}`, { workshop: REFERENCE_HELP });
    let items: Awaited<ReturnType<typeof resolveWorkshop>>;
    try {
      items = await resolveWorkshop(this.deps.api, id);
    } catch (error) {
      if (error instanceof WorkshopRefusal)
        throw new AppError(400, error.message, { workshop: error.message });
      if (error instanceof SteamApiError) throw new AppError(502, error.message);
      throw error;
    }
    const ids: number[] = [];
    for (const { details, problem } of items) ids.push(await this.addItem(user, details, problem));
    return ids;
  }

  private async addItem(
    user: SessionUser,
    details: WorkshopDetails,
    problem: string | null,
  ): Promise<number> {
    const { db } = this.deps;
    const now = new Date().toISOString();
    const existing = () =>
      db
        .selectFrom('addons')
        .selectAll()
        .where('user_id', '=', user.id)
        .where('workshop_id', '=', details.id)
        .executeTakeFirst();
    let row = await existing();
    if (!row) {
      row = await db
        .insertInto('addons')
        .values({
          user_id: user.id,
          kind: 'workshop',
          workshop_id: details.id,
          title: withoutInvisible(details.title).slice(0, 256),
          filename: workshopFilename(details.id),
          size: details.fileSize,
          time_updated: 0,
          state: problem ? 'failed' : 'queued',
          error: problem ?? '',
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch(async (error) => {
          // Added twice at once: the other request's row is this one.
          if (uniqueViolation(error) !== 'addons_user_workshop_unique') throw error;
          return (await existing()) as AddonRow;
        });
      this.deps.events.changed(row);
    }
    if (problem === null && (await this.needsDownload(row, details))) {
      row = await this.update(row.id, { state: 'queued', percent: 0, error: '' });
      this.enqueue({ workshopId: details.id, details });
    }
    return row.id;
  }

  /**
   * Whether a row needs the file: not stored yet, or older than Steam's. When any row already holds
   * this item's current file (another user added it), the row takes that content without a download.
   */
  private async needsDownload(row: AddonRow, details: WorkshopDetails): Promise<boolean> {
    if (row.content_key !== '' && Number(row.time_updated) >= details.timeUpdated && row.state === 'ready')
      return false;
    const current = await this.deps.db
      .selectFrom('addons')
      .selectAll()
      .where('workshop_id', '=', details.id)
      .where('content_key', '!=', '')
      .where('time_updated', '>=', details.timeUpdated)
      .executeTakeFirst();
    if (!current) return true;
    const { content_key, size, maps, time_updated } = current;
    const old = row.content_key;
    await this.update(row.id, {
      state: 'ready',
      percent: 100,
      error: '',
      content_key,
      size,
      maps,
      time_updated,
    });
    if (old !== content_key) await removeUnreferenced(this.deps.db, this.deps.store, old, 'workshop');
    return false;
  }

  private async update(id: number, change: Partial<AddonRow>): Promise<AddonRow> {
    const row = await this.deps.db
      .updateTable('addons')
      .set({ ...change, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (row) this.deps.events.changed(row);
    return row as AddonRow;
  }

  /** Rows of an item that want its file: queued, downloading (cut off by a restart), or refreshing. */
  private waitingRows(workshopId: string) {
    return this.deps.db
      .selectFrom('addons')
      .selectAll()
      .where('workshop_id', '=', workshopId)
      .where('state', 'in', ['queued', 'downloading'])
      .execute();
  }

  private enqueue(job: Job): void {
    if (this.queued.has(job.workshopId)) return;
    this.queued.add(job.workshopId);
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      this.running++;
      void this.run(job)
        .catch((error: unknown) =>
          this.deps.warn?.(`workshop item ${job.workshopId}: ${(error as Error).message}`),
        )
        .finally(() => {
          this.running--;
          this.queued.delete(job.workshopId);
          this.pump();
          if (this.running === 0 && this.queue.length === 0)
            for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }

  /** One item's download, for every row that waits for it (one download however many users added it). */
  private async run(job: Job): Promise<void> {
    const rows = await this.waitingRows(job.workshopId);
    if (rows.length === 0) return;
    const fail = async (message: string) => {
      for (const row of await this.waitingRows(job.workshopId))
        await this.update(row.id, { state: 'failed', error: message });
    };
    let details = job.details;
    try {
      details ??= (await this.deps.api.publishedFileDetails([job.workshopId])).get(job.workshopId);
    } catch (error) {
      return fail(`item ${job.workshopId}: ${(error as Error).message}`);
    }
    const problem = details ? itemProblem(details) : `item ${job.workshopId} not found`;
    if (problem || !details) return fail(problem ?? '');
    const item = details;
    let lastWrite = 0;
    for (const row of rows) await this.update(row.id, { state: 'downloading', percent: 0 });
    const replaced = new Map(rows.map((row) => [row.id, row.content_key]));
    try {
      await fetchWorkshopItem(this.deps.store, item, {
        signal: this.aborter.signal,
        onProgress: ({ received, total }) => {
          const now = Date.now();
          if (now - lastWrite < PROGRESS_EVERY_MS || received >= total) return;
          lastWrite = now;
          const percent = Math.min(99, Math.floor((received / Math.max(total, 1)) * 100));
          // A lost percentage is harmless (the next one or the end corrects it); a stop awaits these.
          const write = this.progress(job.workshopId, percent).catch(() => {});
          this.progressWrites.add(write);
          void write.finally(() => this.progressWrites.delete(write));
        },
        record: (stored) => this.stored(item, stored),
      });
    } catch (error) {
      if (this.aborter.signal.aborted) return;
      return fail(
        error instanceof AddonFailure ? error.message : `item ${item.id}: ${(error as Error).message}`,
      );
    }
    for (const [, old] of replaced) await removeUnreferenced(this.deps.db, this.deps.store, old, 'workshop');
  }

  private async progress(workshopId: string, percent: number): Promise<void> {
    for (const row of await this.waitingRows(workshopId)) {
      if (row.state === 'downloading') await this.update(row.id, { percent });
    }
  }

  /** The file is in the store: every waiting row gets it, and servers running its old file a restart notice. */
  private async stored(item: WorkshopDetails, stored: StoredVpk): Promise<void> {
    const rows = await this.waitingRows(item.id);
    for (const row of rows) {
      await this.update(row.id, {
        state: 'ready',
        percent: 100,
        error: '',
        title: withoutInvisible(item.title).slice(0, 256) || row.title,
        content_key: stored.key,
        size: stored.size,
        maps: JSON.stringify(stored.maps),
        time_updated: item.timeUpdated,
      });
    }
    await markRestartRequired(
      this.deps.db,
      rows.map((row) => row.id),
    );
  }

  /** Downloads cut off by a restart of the panel start again (a half-written file never counts). */
  async resume(): Promise<void> {
    const rows = await this.deps.db
      .selectFrom('addons')
      .select('workshop_id')
      .distinct()
      .where('kind', '=', 'workshop')
      .where('state', 'in', ['queued', 'downloading'])
      .execute();
    for (const { workshop_id } of rows) if (workshop_id) this.enqueue({ workshopId: workshop_id });
  }

  /**
   * The Workshop part of the periodic update check: asks Steam about every stored item (in batches)
   * and downloads those with a newer `time_updated`. Answers the item ids that are being updated.
   */
  async refresh(): Promise<string[]> {
    const rows = await this.deps.db
      .selectFrom('addons')
      .select(['id', 'workshop_id', 'time_updated'])
      .where('kind', '=', 'workshop')
      .where('content_key', '!=', '')
      .where('state', 'in', ['ready', 'failed'])
      .execute();
    const ids = [...new Set(rows.map((row) => row.workshop_id).filter((id): id is string => id !== null))];
    if (ids.length === 0) return [];
    const details = await this.deps.api.publishedFileDetails(ids);
    const updated: string[] = [];
    for (const id of ids) {
      const item = details.get(id);
      if (!item || itemProblem(item) !== null) continue;
      const stale = rows.filter(
        (row) => row.workshop_id === id && Number(row.time_updated) < item.timeUpdated,
      );
      if (stale.length === 0) continue;
      for (const row of stale) await this.update(row.id, { state: 'queued', percent: 0, error: '' });
      this.enqueue({ workshopId: id, details: item });
      updated.push(id);
    }
    return updated;
  }

  /** Resolves once no download is queued or running (tests, the bench, a clean stop). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Cuts running downloads off (their rows stay queued for the next start) and drops the queue;
   * resolves once nothing of them touches the database any more.
   */
  async stop(): Promise<void> {
    this.queue.length = 0;
    this.aborter.abort();
    await this.idle();
    await Promise.all(this.progressWrites);
  }
}
