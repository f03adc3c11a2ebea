import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `$DATA_DIR/addons/`: every addon's content once, named by the SHA-256 of what was downloaded or
 * uploaded (`<sha256>.vpk`, `<sha256>.smx`, or `<sha256>/`, an unpacked SourceMod or Metamod:Source
 * archive), whoever added it and however many blueprints use it. Files appear only complete: they are
 * written under `.tmp/` and renamed into place. Stored content is read-only, so a server writing
 * through a link into it fails instead of changing every server's copy.
 */
const SWEEP_AFTER_MS = 60 * 60 * 1000;

export class AddonStore {
  readonly root: string;
  private readonly tempDir: string;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'addons');
    this.tempDir = path.join(this.root, '.tmp');
  }

  /** Where content with this key lives: a file with its extension, or an unpacked tree. */
  pathOf(key: string, extension: string | null): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a content key: ${key}`);
    return path.join(this.root, extension === null ? key : `${key}.${extension}`);
  }

  /** A fresh name under `.tmp/` (nothing is created). */
  async tempPath(suffix = ''): Promise<string> {
    await mkdir(this.tempDir, { recursive: true });
    return path.join(this.tempDir, `${randomBytes(12).toString('hex')}${suffix}`);
  }

  /** Leftovers of writes a crash cut short. */
  async clearTemp(): Promise<void> {
    await rm(this.tempDir, { recursive: true, force: true });
  }

  /**
   * Moves a complete temp file or tree into place under its key and makes it read-only; when the
   * content is already stored, the temp copy goes. Runs under the key's lock (see `withKey`).
   */
  async commit(temp: string, key: string, extension: string | null): Promise<string> {
    const target = this.pathOf(key, extension);
    if (await exists(target)) {
      await rm(temp, { recursive: true, force: true });
      return target;
    }
    if (extension !== null) await chmod(temp, 0o444);
    await rename(temp, target);
    return target;
  }

  /**
   * Removes stored content whose key is not in `referenced` (left by addons deleted with their user,
   * say) and not written in the last hour (a commit another panel is about to record). Answers how
   * many entries went.
   */
  async sweep(referenced: ReadonlySet<string>, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      const key = /^([0-9a-f]{64})(\.vpk|\.smx)?$/.exec(name)?.[1];
      if (key === undefined || referenced.has(key)) continue;
      const { mtimeMs } = await stat(path.join(this.root, name));
      if (now - mtimeMs < SWEEP_AFTER_MS) continue;
      await this.withKey(key, () => rm(path.join(this.root, name), { recursive: true, force: true }));
      removed++;
    }
    return removed;
  }

  /** Deletes stored content (under the key's lock, once no addon refers to it). */
  async remove(key: string, extension: string | null): Promise<void> {
    await rm(this.pathOf(key, extension), { recursive: true, force: true });
  }

  /**
   * Runs `work` with no other `withKey` of the same key running in this panel: a commit and the row
   * that refers to it, or a last reference's removal and the content's, never interleave.
   */
  withKey<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    void next
      .finally(() => {
        if (this.locks.get(key) === next) this.locks.delete(key);
      })
      .catch(() => undefined);
    return next;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
