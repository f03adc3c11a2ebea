import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readlink, realpath, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { escapeUnprintable } from '../http/characters.js';

/**
 * Unpacks an uploaded SourceMod or Metamod:Source Linux `.tar.gz` (tar-stream over node's zlib),
 * checking every entry before anything of it is written: no absolute path, no `..`, no link that
 * leads out of the tree, nothing written through a link, no devices or FIFOs, and limits on size
 * and count against archive bombs. What the tree holds decides its kind.
 */

export const NOT_AN_ADDON = 'not a VPK, SourceMod, Metamod:Source or plugin file';

/** An upload refused for what it is: a 400 with this message, nothing stored. */
export class UploadRefusal extends Error {}

export type ArchiveKind = 'sourcemod' | 'metamod';

export interface UnpackLimits {
  /** Bytes of all files unpacked together. */
  maxBytes: number;
  maxEntries: number;
}

/** SourceMod unpacks to about 30 MB in 700 entries; Metamod:Source to less. */
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxBytes: 1024 ** 3, maxEntries: 20_000 };

const quoted = (name: string) =>
  `"${escapeUnprintable(name.length > 100 ? `${name.slice(0, 100)}...` : name)}"`;

/** The entry's path as checked parts (`addons/sourcemod/bin`), or a refusal. `./x` is `x`. */
function entryPath(name: string): string {
  if (name.includes('\0') || name.includes('\\'))
    throw new UploadRefusal(`archive entry ${quoted(name)} has a character no Linux archive uses`);
  if (name.startsWith('/')) throw new UploadRefusal(`archive entry ${quoted(name)} is an absolute path`);
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..'))
    throw new UploadRefusal(`archive entry ${quoted(name)} contains "..", which leaves the archive`);
  return parts.join('/');
}

/** Where a link's target lands, relative to the tree's root; refused when it leaves the tree. */
function linkTarget(name: string, target: string, relativeTo: string): string {
  if (target.startsWith('/') || target.includes('\0'))
    throw new UploadRefusal(`archive entry ${quoted(name)} links to an absolute path`);
  const resolved = path.posix.normalize(path.posix.join(relativeTo, target));
  if (resolved === '..' || resolved.startsWith('../'))
    throw new UploadRefusal(`archive entry ${quoted(name)} links to ${quoted(target)}, outside the archive`);
  return resolved;
}

function kindOf(paths: Set<string>): ArchiveKind | null {
  const has = (prefix: string) => [...paths].some((p) => p === prefix || p.startsWith(`${prefix}/`));
  // SourceMod's archive also holds addons/metamod/sourcemod.vdf: look for SourceMod first.
  if (has('addons/sourcemod/bin')) return 'sourcemod';
  if (has('addons/metamod.vdf') || has('addons/metamod')) return 'metamod';
  return null;
}

/**
 * Unpacks `archive` (gzip'd tar) into the new directory `into`; answers the tree's kind. Throws
 * UploadRefusal when an entry is refused or the file is no such archive; the caller removes `into`.
 */
export async function unpackAddonArchive(
  archive: string,
  into: string,
  limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
): Promise<ArchiveKind> {
  await mkdir(into, { recursive: false, mode: 0o755 });
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(archive), createGunzip(), extract);
  feeding.catch(() => undefined);
  const seen = new Map<string, 'dir' | 'file' | 'link'>();
  const links: string[] = [];
  // What the tree holds once unpacked: a hard link is a copy here, so it counts its file's size again.
  const sizes = new Map<string, number>();
  let bytes = 0;
  const add = (relative: string, size: number) => {
    bytes += size;
    if (bytes > limits.maxBytes)
      throw new UploadRefusal(`archive unpacks to more than ${Math.round(limits.maxBytes / 1024 ** 2)} MB`);
    sizes.set(relative, size);
  };
  try {
    for await (const entry of extract) {
      const { header } = entry;
      if (seen.size >= limits.maxEntries)
        throw new UploadRefusal(`archive holds more than ${limits.maxEntries} entries`);
      const relative = entryPath(header.name);
      if (relative === '') {
        entry.resume();
        continue;
      }
      const parts = relative.split('/');
      for (let depth = 1; depth < parts.length; depth++) {
        const parent = parts.slice(0, depth).join('/');
        if (seen.get(parent) === 'file' || seen.get(parent) === 'link')
          throw new UploadRefusal(
            `archive entry ${quoted(header.name)} lies under ${quoted(parent)}, which is not a folder`,
          );
      }
      const known = seen.get(relative);
      if (known !== undefined && !(known === 'dir' && header.type === 'directory'))
        throw new UploadRefusal(`archive entry ${quoted(header.name)} appears twice`);
      const target = path.join(into, relative);
      await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
      switch (header.type) {
        case 'directory':
          await mkdir(target, { recursive: true, mode: 0o755 });
          seen.set(relative, 'dir');
          entry.resume();
          break;
        case 'file':
        case 'contiguous-file': {
          add(relative, header.size ?? 0);
          seen.set(relative, 'file');
          // Read-only: servers reach these files through links and must not change them for all.
          const file = await open(target, 'wx', (header.mode ?? 0) & 0o111 ? 0o555 : 0o444);
          try {
            for await (const chunk of entry) await file.write(chunk as Buffer);
          } finally {
            await file.close();
          }
          break;
        }
        case 'symlink': {
          linkTarget(header.name, header.linkname ?? '', path.posix.dirname(relative));
          await symlink(header.linkname ?? '', target);
          seen.set(relative, 'link');
          links.push(relative);
          entry.resume();
          break;
        }
        case 'link': {
          const source = entryPath(header.linkname ?? '');
          linkTarget(header.name, source, '');
          if (seen.get(source) !== 'file')
            throw new UploadRefusal(
              `archive entry ${quoted(header.name)} links to ${quoted(source)}, no file before it`,
            );
          add(relative, sizes.get(source) ?? 0);
          await copyFile(path.join(into, source), target);
          seen.set(relative, 'file');
          entry.resume();
          break;
        }
        default:
          throw new UploadRefusal(
            `archive entry ${quoted(header.name)} is a ${header.type ?? 'special file'}, which an addon never holds`,
          );
      }
    }
    await feeding;
  } catch (error) {
    extract.destroy();
    if (error instanceof UploadRefusal) throw error;
    throw new UploadRefusal(NOT_AN_ADDON);
  }
  await checkLinksStayInside(into, links);
  const kind = kindOf(new Set(seen.keys()));
  if (kind === null) throw new UploadRefusal(NOT_AN_ADDON);
  return kind;
}

/**
 * Each link checked alone stays inside, but a link may name another link (`a -> b/..` where `b` is a
 * link to the root); resolved on disk, every link must end at something inside the tree. A dangling
 * link is refused too: where it would lead is not known.
 */
async function checkLinksStayInside(root: string, links: string[]): Promise<void> {
  const realRoot = await realpath(root);
  for (const link of links) {
    const full = path.join(root, link);
    const resolved = await realpath(full).catch(() => null);
    if (resolved === null || (resolved !== realRoot && !resolved.startsWith(`${realRoot}/`)))
      throw new UploadRefusal(
        `archive entry ${quoted(link)} links to ${quoted(await readlink(full))}, outside the archive`,
      );
  }
}
