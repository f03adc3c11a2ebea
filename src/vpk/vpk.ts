import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/**
 * Valve's VPK format as L4D2 reads an addon: a header, a directory tree (extension, then path,
 * then file name, each a NUL-terminated string; an empty string ends a level) and the file data
 * after it. Addons are single-file VPKs: every entry's data lives in the same file (archive index
 * 0x7fff). Version 1 (L4D2's own) has a 12-byte header; version 2 (later Source games) 28 bytes,
 * with section sizes after the tree.
 */

/** The signature's bytes in the file: 0x55AA1234, little-endian. */
export const VPK_SIGNATURE = Buffer.from([0x34, 0x12, 0xaa, 0x55]);
const HEADER_V1 = 12;
const HEADER_V2 = 28;
/** An entry's data follows the tree in this same file. */
export const SAME_FILE = 0x7fff;
const ENTRY_TERMINATOR = 0xffff;
/** Directory entry: crc32, preload bytes, archive index, offset, length, terminator. */
const ENTRY_SIZE = 18;
/**
 * Far more than any addon's tree (a big campaign's is a few hundred KB); refused before it is read.
 * Reading one blocks the panel for a moment (about 0.15 s per MB here), so it stays small.
 */
const MAX_TREE_BYTES = 16 * 1024 * 1024;
/** Maps a VPK lists at most (a campaign has a handful); the server page offers each one. */
export const MAX_MAPS = 1000;
/** A map name the server page can offer and `changelevel` can take (servers/input.ts checks the same). */
const MAP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const OTHER_MD5_SECTION = 48;

export class VpkError extends Error {}

export interface VpkFile {
  /** `maps/c1m1_custom.bsp`; files at the root have no directory part. */
  path: string;
  /** Bytes of data (preload bytes in the tree plus the entry's length in the data section). */
  size: number;
}

export interface VpkInfo {
  version: 1 | 2;
  files: VpkFile[];
  /** Names of the `maps/*.bsp` inside, without the extension, sorted. */
  maps: string[];
}

export function hasVpkSignature(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(VPK_SIGNATURE);
}

interface Header {
  version: 1 | 2;
  headerSize: number;
  treeSize: number;
  /** Version 2: the sizes of what follows the tree, which must all be in the file. */
  dataSectionSize: number;
  archiveMd5Size: number;
  otherMd5Size: number;
}

function parseHeader(head: Buffer, fileSize: number): Header {
  if (fileSize < HEADER_V1 || head.length < HEADER_V1) throw new VpkError('too short for a VPK header');
  if (!hasVpkSignature(head)) throw new VpkError('does not start with the VPK signature 34 12 AA 55');
  const version = head.readUInt32LE(4);
  if (version !== 1 && version !== 2) throw new VpkError(`unknown VPK version ${version}`);
  const headerSize = version === 1 ? HEADER_V1 : HEADER_V2;
  if (fileSize < headerSize || head.length < headerSize) throw new VpkError('too short for a VPK header');
  const treeSize = head.readUInt32LE(8);
  if (treeSize > MAX_TREE_BYTES) throw new VpkError(`directory of ${treeSize} bytes is implausibly large`);
  if (headerSize + treeSize > fileSize) throw new VpkError('directory runs past the end of the file');
  if (version === 1)
    return { version, headerSize, treeSize, dataSectionSize: 0, archiveMd5Size: 0, otherMd5Size: 0 };
  const dataSectionSize = head.readUInt32LE(12);
  const archiveMd5Size = head.readUInt32LE(16);
  const otherMd5Size = head.readUInt32LE(20);
  const signatureSize = head.readUInt32LE(24);
  if (headerSize + treeSize + dataSectionSize + archiveMd5Size + otherMd5Size + signatureSize > fileSize)
    throw new VpkError('sections after the directory run past the end of the file');
  return { version, headerSize, treeSize, dataSectionSize, archiveMd5Size, otherMd5Size };
}

/** Reads NUL-terminated strings and numbers from the tree, refusing to run past its end. */
class TreeReader {
  offset = 0;
  constructor(private readonly tree: Buffer) {}

  string(): string {
    const end = this.tree.indexOf(0, this.offset);
    if (end < 0) throw new VpkError('directory ends inside a name');
    const text = this.tree.toString('latin1', this.offset, end);
    this.offset = end + 1;
    return text;
  }

  need(bytes: number): void {
    if (this.offset + bytes > this.tree.length) throw new VpkError('directory ends inside an entry');
  }
}

/**
 * The files a VPK holds, from its header and directory tree (`head` holds at least the header and
 * the whole tree) and the size of the whole file: every entry's data must lie inside the file, so a
 * truncated download or a corrupt tree is refused. `checksums`: a version 2 file's "other MD5"
 * section, when it has one. Pure; `readVpk` reads the bytes it needs.
 */
export function parseVpk(head: Buffer, fileSize: number, checksums?: Buffer): VpkInfo {
  const header = parseHeader(head, fileSize);
  const treeEnd = header.headerSize + header.treeSize;
  if (head.length < treeEnd) throw new VpkError('directory runs past the end of the file');
  const tree = head.subarray(header.headerSize, treeEnd);
  const dataStart = treeEnd;
  // Version 2 says how long its data section is; version 1 data runs to the end of the file.
  const dataEnd = header.version === 2 ? dataStart + header.dataSectionSize : fileSize;
  const reader = new TreeReader(tree);
  const files: VpkFile[] = [];
  for (;;) {
    const extension = reader.string();
    if (extension === '') break;
    for (;;) {
      const directory = reader.string();
      if (directory === '') break;
      for (;;) {
        const name = reader.string();
        if (name === '') break;
        reader.need(ENTRY_SIZE);
        const at = reader.offset;
        const preload = tree.readUInt16LE(at + 4);
        const archive = tree.readUInt16LE(at + 6);
        const offset = tree.readUInt32LE(at + 8);
        const length = tree.readUInt32LE(at + 12);
        const filePath = `${directory === ' ' ? '' : `${directory}/`}${name}${extension === ' ' ? '' : `.${extension}`}`;
        if (tree.readUInt16LE(at + 16) !== ENTRY_TERMINATOR)
          throw new VpkError(`directory entry ${filePath} is corrupt`);
        reader.offset += ENTRY_SIZE;
        reader.need(preload);
        reader.offset += preload;
        if (length > 0 && archive !== SAME_FILE)
          throw new VpkError(`${filePath} lives in another archive (${archive}); an addon is one file`);
        if (length > 0 && dataStart + offset + length > dataEnd)
          throw new VpkError(`${filePath} runs past the end of the file`);
        files.push({ path: filePath, size: preload + length });
      }
    }
  }
  if (checksums) checkTreeMd5(tree, checksums);
  return { version: header.version, files, maps: mapsOf(files) };
}

/**
 * Version 2 keeps an MD5 of the tree first in its "other MD5" section; a tree that does not match
 * it is corrupt. An all-zero checksum (some tools write none) is not checked.
 */
function checkTreeMd5(tree: Buffer, checksums: Buffer): void {
  const expected = checksums.subarray(0, 16);
  if (expected.length < 16 || expected.every((byte) => byte === 0)) return;
  if (!createHash('md5').update(tree).digest().equals(expected))
    throw new VpkError('directory does not match its checksum');
}

/** The maps a VPK holds, by name, sorted: only names a map list can offer, and at most MAX_MAPS. */
function mapsOf(files: VpkFile[]): string[] {
  return files
    .map((file) => /^maps\/([^/]+)\.bsp$/i.exec(file.path)?.[1])
    .filter((name): name is string => name !== undefined && MAP_NAME.test(name) && !name.includes('..'))
    .sort()
    .slice(0, MAX_MAPS);
}

/**
 * Reads and checks a VPK on disk: its header, tree and, for version 2, the checksum sections (the
 * data itself is only checked to fit in the file). Throws VpkError saying what is wrong.
 */
export async function readVpk(file: string): Promise<VpkInfo> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const read = async (position: number, length: number) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - position)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      return buffer.subarray(0, bytesRead);
    };
    const start = await read(0, HEADER_V2);
    const header = parseHeader(start, size);
    const directory = await read(0, header.headerSize + header.treeSize);
    if (header.otherMd5Size !== OTHER_MD5_SECTION) return parseVpk(directory, size);
    const sectionAt = header.headerSize + header.treeSize + header.dataSectionSize + header.archiveMd5Size;
    return parseVpk(directory, size, await read(sectionAt, OTHER_MD5_SECTION));
  } finally {
    await handle.close();
  }
}
