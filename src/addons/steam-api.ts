import { z } from 'zod';

/**
 * The two Steam Web API calls the Workshop needs (no key): GetPublishedFileDetails and
 * GetCollectionDetails, form POSTs to `STEAM_API_URL` (tests point it at a local fake). Answers are
 * parsed loosely (Steam sends numbers as strings in places) and only for the fields used here.
 */

export const L4D2_APP_ID = 550;
/** Steam's `result` for success (EResult OK). */
const RESULT_OK = 1;
/** A collection child that is itself a collection. */
const FILETYPE_COLLECTION = 2;
/** Steam answers at most this many ids per call. */
const BATCH = 100;
const MAX_ITEMS = 1000;
/** Collections expanded for one id at most: each costs a request to Steam, and one add is one request to us. */
const MAX_COLLECTIONS = 100;
const TIMEOUT_MS = 20_000;

/** The Steam Web API did not answer as it should: the panel could not ask (502). */
export class SteamApiError extends Error {}

/** One of the contract's refusals of a Workshop reference: a 400 with this message. */
export class WorkshopRefusal extends Error {}

const number = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
/** A Workshop id as Steam gives it (digits): it becomes a file name, so nothing else is taken. */
const workshopId = z
  .union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()])
  .transform(String);

const detailsSchema = z.object({
  publishedfileid: workshopId,
  result: number,
  consumer_app_id: number.optional(),
  title: z.string().optional(),
  filename: z.string().optional(),
  file_size: number.optional(),
  file_url: z.string().optional(),
  time_updated: number.optional(),
});

const collectionSchema = z.object({
  publishedfileid: workshopId,
  result: number,
  children: z
    .array(
      z.object({
        publishedfileid: workshopId,
        filetype: number.optional(),
      }),
    )
    .optional(),
});

/** One Workshop item as the API describes it. */
export interface WorkshopDetails {
  id: string;
  result: number;
  appId: number | null;
  title: string;
  fileSize: number;
  fileUrl: string;
  timeUpdated: number;
}

/** The contract's refusal of an item (design/addons.md), or null when it can be downloaded. */
export function itemProblem(details: WorkshopDetails): string | null {
  if (details.result !== RESULT_OK) return `item ${details.id} not found`;
  if (details.appId !== L4D2_APP_ID) return `item ${details.id} is not a Left 4 Dead 2 item`;
  if (details.fileUrl === '') return `item ${details.id} has no public download (private or removed)`;
  return null;
}

/** The refusal of a download that is not the file the API announced. */
export function invalidDownload(id: string): string {
  return `item ${id}: download is not a valid VPK`;
}

/**
 * A Workshop id from what a user pastes: the digits, or a steamcommunity.com link holding `id=`
 * (`https://steamcommunity.com/sharedfiles/filedetails/?id=123`). Null when it is neither.
 */
export function parseWorkshopReference(text: string): string | null {
  const trimmed = text.trim();
  if (/^\d{1,20}$/.test(trimmed)) return normalizeId(trimmed);
  if (!URL.canParse(trimmed)) return null;
  const url = new URL(trimmed);
  const id = url.searchParams.get('id');
  if (!['http:', 'https:'].includes(url.protocol) || !/(^|\.)steamcommunity\.com$/i.test(url.hostname))
    return null;
  return id !== null && /^\d{1,20}$/.test(id) ? normalizeId(id) : null;
}

function normalizeId(digits: string): string | null {
  const id = digits.replace(/^0+/, '');
  // Published file ids are unsigned 64-bit numbers.
  return id !== '' && BigInt(id) < 2n ** 64n ? id : null;
}

export class SteamWebApi {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  private async post(method: string, form: Record<string, string>): Promise<unknown> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/ISteamRemoteStorage/${method}/v1/`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams(form),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new SteamApiError(`Steam Web API ${method}: ${reasonOf(error)}`);
    }
    if (!response.ok) throw new SteamApiError(`Steam Web API ${method}: HTTP ${response.status}`);
    try {
      return await response.json();
    } catch {
      throw new SteamApiError(`Steam Web API ${method}: the answer is not JSON`);
    }
  }

  /** Details of each id (in batches of 100), by id; an id Steam left out counts as not found. */
  async publishedFileDetails(ids: string[]): Promise<Map<string, WorkshopDetails>> {
    const found = new Map<string, WorkshopDetails>();
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      const answer = await this.post('GetPublishedFileDetails', {
        itemcount: String(batch.length),
        ...Object.fromEntries(batch.map((id, index) => [`publishedfileids[${index}]`, id])),
      });
      for (const raw of listIn(answer, 'publishedfiledetails')) {
        const parsed = detailsSchema.safeParse(raw);
        if (!parsed.success) continue;
        const item = parsed.data;
        found.set(item.publishedfileid, {
          id: item.publishedfileid,
          result: item.result,
          appId: item.consumer_app_id ?? null,
          title: item.title ?? '',
          fileSize: item.file_size ?? 0,
          fileUrl: item.file_url ?? '',
          timeUpdated: item.time_updated ?? 0,
        });
      }
    }
    for (const id of ids) {
      if (!found.has(id))
        found.set(id, { id, result: 0, appId: null, title: '', fileSize: 0, fileUrl: '', timeUpdated: 0 });
    }
    return found;
  }

  /** A collection's children (items, and collections to expand), or null when the id is no collection. */
  async collectionChildren(id: string): Promise<Array<{ id: string; collection: boolean }> | null> {
    const answer = await this.post('GetCollectionDetails', {
      collectioncount: '1',
      'publishedfileids[0]': id,
    });
    const entry = listIn(answer, 'collectiondetails')
      .map((raw) => collectionSchema.safeParse(raw))
      .find((parsed) => parsed.success && parsed.data.publishedfileid === id);
    const children = entry?.success && entry.data.result === RESULT_OK ? entry.data.children : undefined;
    if (children === undefined) return null;
    return children.map((child) => ({
      id: child.publishedfileid,
      collection: child.filetype === FILETYPE_COLLECTION,
    }));
  }
}

function listIn(answer: unknown, key: string): unknown[] {
  const response = (answer as { response?: Record<string, unknown> } | null)?.response;
  const list = response?.[key];
  return Array.isArray(list) ? list : [];
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** What a Workshop reference stands for: its items, each with its details and any refusal. */
export interface ResolvedItem {
  details: WorkshopDetails;
  problem: string | null;
}

/**
 * The items an id stands for. An item: itself, or the contract's refusal (thrown as
 * WorkshopRefusal, a 400). A collection: each item it holds, nested collections expanded once each
 * (a collection that holds itself or a parent ends there; 100 collections and 1,000 items at most);
 * an item's own refusal is returned with it.
 */
export async function resolveWorkshop(api: SteamWebApi, id: string): Promise<ResolvedItem[]> {
  const top = (await api.publishedFileDetails([id])).get(id) as WorkshopDetails;
  if (top.result !== RESULT_OK || top.appId !== L4D2_APP_ID)
    throw new WorkshopRefusal(itemProblem(top) ?? '');
  const visited = new Set<string>();
  const itemIds: string[] = [];
  const expand = async (collection: string): Promise<boolean> => {
    visited.add(collection);
    const children = await api.collectionChildren(collection);
    if (children === null) return false;
    for (const child of children) {
      if (child.collection) {
        if (!visited.has(child.id) && visited.size < MAX_COLLECTIONS) await expand(child.id);
      } else if (!itemIds.includes(child.id) && itemIds.length < MAX_ITEMS) itemIds.push(child.id);
    }
    return true;
  };
  if (!(await expand(id))) {
    const problem = itemProblem(top);
    if (problem) throw new WorkshopRefusal(problem);
    return [{ details: top, problem: null }];
  }
  if (itemIds.length === 0) throw new WorkshopRefusal(`collection ${id} holds no items`);
  const details = await api.publishedFileDetails(itemIds);
  return itemIds.map((itemId) => {
    const item = details.get(itemId) as WorkshopDetails;
    return { details: item, problem: itemProblem(item) };
  });
}
