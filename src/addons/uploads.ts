import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { SessionUser } from '../auth/sessions.js';
import type { Database } from '../db/schema.js';
import { withoutInvisible } from '../http/characters.js';
import { AppError } from '../http/errors.js';
import { UploadRefusal } from './archive.js';
import type { AddonEvents } from './events.js';
import { sanitizedFilename } from './filenames.js';
import { storedExtension } from './library.js';
import type { AddonStore } from './store.js';
import { CodeRefused, identifyUpload } from './upload-type.js';

/**
 * Uploads (POST /addons/upload): the file streams to a temp file (hashed on the way, never held in
 * memory), is identified by its content, and is stored once under its SHA-256. Code (SourceMod,
 * Metamod:Source, plugins) runs on the host with the panel's rights, so only an admin may upload it.
 */

export interface Received {
  file: string;
  sha256: string;
  size: number;
}

/** Streams an upload into a temp file of the store; the caller removes `file` when done with it. */
export async function receiveUpload(stream: Readable, store: AddonStore): Promise<Received> {
  const file = await store.tempPath('.upload');
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { file, sha256: hash.digest('hex'), size };
}

/** The title an upload is shown with: its file name, without invisible characters, cut to 128. */
function titleOf(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  return withoutInvisible(base).slice(0, 128) || 'upload';
}

export interface UploadDeps {
  db: Kysely<Database>;
  store: AddonStore;
  events: AddonEvents;
}

/** Identifies and stores a received upload for the user; answers the new addon's id. */
export async function storeUpload(
  deps: UploadDeps,
  user: SessionUser,
  upload: Received,
  originalName: string,
): Promise<number> {
  const { db, store, events } = deps;
  const tree = await store.tempPath('.tree');
  try {
    let identified: Awaited<ReturnType<typeof identifyUpload>>;
    try {
      identified = await identifyUpload(upload.file, tree, user.role === 'admin');
    } catch (error) {
      if (error instanceof UploadRefusal) throw new AppError(400, error.message, { file: error.message });
      if (error instanceof CodeRefused)
        throw new AppError(
          403,
          'only an admin can upload SourceMod, Metamod:Source or plugin files: they run as code on the host',
        );
      throw error;
    }
    const { kind } = identified;
    const extension = storedExtension(kind);
    const now = new Date().toISOString();
    const row = await store.withKey(upload.sha256, async () => {
      await store.commit(extension === null ? tree : upload.file, upload.sha256, extension);
      return db
        .insertInto('addons')
        .values({
          user_id: user.id,
          kind,
          workshop_id: null,
          title: titleOf(originalName),
          filename: sanitizedFilename(originalName, kind),
          size: upload.size,
          time_updated: 0,
          state: 'ready',
          percent: 100,
          content_key: upload.sha256,
          maps: JSON.stringify(identified.maps),
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    events.changed(row);
    return row.id;
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
