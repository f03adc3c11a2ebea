import { rm } from 'node:fs/promises';
import { hasVpkSignature, readVpk, VpkError } from '../vpk/vpk.js';
import { DownloadError, type DownloadProgress, download } from './download.js';
import { invalidDownload, type WorkshopDetails } from './steam-api.js';
import type { AddonStore } from './store.js';

/**
 * A Workshop item's file from Steam into the store: streamed to a temp file, checked against what
 * the API announced (exactly `file_size` bytes, the VPK signature, a directory that holds up), then
 * renamed into place under its SHA-256. A failure throws AddonFailure with the addon's `error`.
 */

export class AddonFailure extends Error {}

export interface StoredVpk {
  key: string;
  size: number;
  maps: string[];
}

export interface FetchOptions {
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Runs once the file is in place, under the content's lock: record the row that refers to it here. */
  record: (stored: StoredVpk) => Promise<void>;
}

export async function fetchWorkshopItem(
  store: AddonStore,
  item: WorkshopDetails,
  options: FetchOptions,
): Promise<StoredVpk> {
  const temp = await store.tempPath('.vpk');
  try {
    let downloaded: Awaited<ReturnType<typeof download>>;
    try {
      downloaded = await download({
        url: item.fileUrl,
        expectedSize: item.fileSize,
        file: temp,
        onProgress: options.onProgress,
        signal: options.signal,
      });
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      throw new AddonFailure(
        error.partial ? invalidDownload(item.id) : `item ${item.id}: download failed: ${error.message}`,
      );
    }
    if (downloaded.size !== item.fileSize || !hasVpkSignature(downloaded.head))
      throw new AddonFailure(invalidDownload(item.id));
    let maps: string[];
    try {
      ({ maps } = await readVpk(temp));
    } catch (error) {
      if (error instanceof VpkError) throw new AddonFailure(invalidDownload(item.id));
      throw error;
    }
    const stored = { key: downloaded.sha256, size: downloaded.size, maps };
    await store.withKey(stored.key, async () => {
      await store.commit(temp, stored.key, 'vpk');
      await options.record(stored);
    });
    return stored;
  } finally {
    await rm(temp, { force: true });
  }
}
