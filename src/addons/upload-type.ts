import { open, rm } from 'node:fs/promises';
import { hasVpkSignature, readVpk, VpkError } from '../vpk/vpk.js';
import { NOT_AN_ADDON, type UnpackLimits, UploadRefusal, unpackAddonArchive } from './archive.js';

/**
 * What an uploaded file is, decided by its content, never by its name: a VPK (signature
 * 34 12 AA 55, and a directory that holds up), a SourcePawn plugin (magic 0x53504646, "FFPS" on
 * disk), or a gzip'd tar holding SourceMod or Metamod:Source (unpacked and checked entry by entry).
 */

const GZIP = Buffer.from([0x1f, 0x8b]);
const SMX_MAGIC = 0x53504646;

export type Identified =
  | { kind: 'vpk'; maps: string[] }
  | { kind: 'plugin'; maps: [] }
  | { kind: 'sourcemod' | 'metamod'; maps: []; tree: string };

async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function isPluginHead(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === SMX_MAGIC;
}

/** Code (plugins, SourceMod and Metamod:Source archives) from someone who may not upload it. */
export class CodeRefused extends Error {}

/**
 * Identifies `file`; an archive is unpacked into `tree` (a path that must not exist yet, removed
 * again on refusal). Throws UploadRefusal with the 400's message, and CodeRefused before reading
 * further when the file is code and `codeAllowed` is false (an archive is never unpacked for them).
 */
export async function identifyUpload(
  file: string,
  tree: string,
  codeAllowed: boolean,
  limits?: UnpackLimits,
): Promise<Identified> {
  const head = await headOf(file);
  if (!codeAllowed && (isPluginHead(head) || head.subarray(0, 2).equals(GZIP))) throw new CodeRefused();
  if (hasVpkSignature(head)) {
    try {
      return { kind: 'vpk', maps: (await readVpk(file)).maps };
    } catch (error) {
      if (error instanceof VpkError) throw new UploadRefusal(`not a valid VPK: ${error.message}`);
      throw error;
    }
  }
  if (isPluginHead(head)) return { kind: 'plugin', maps: [] };
  if (head.subarray(0, 2).equals(GZIP)) {
    try {
      return { kind: await unpackAddonArchive(file, tree, limits), maps: [], tree };
    } catch (error) {
      await rm(tree, { recursive: true, force: true });
      throw error;
    }
  }
  throw new UploadRefusal(NOT_AN_ADDON);
}
