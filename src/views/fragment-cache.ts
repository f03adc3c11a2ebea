import { createHash } from 'node:crypto';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { renderDocument } from './render.js';

interface Piece {
  signature: string;
  bytes: Buffer;
  /** sha1 of the bytes, for the page's ETag without hashing the page. */
  hash: Buffer;
}

/**
 * Rendered pieces of pages (a dashboard card, a row of the servers table), kept as bytes with a
 * signature of everything they were rendered from. A piece is rendered again when its signature
 * changes (the server was renamed, changed state, got a player, the viewer's permissions differ): a
 * piece shown is always what rendering it now would give.
 */
export class FragmentCache {
  private readonly pieces = new Map<string, Piece>();

  /** @param maxPieces past this many, everything is dropped and rendered afresh (deleted servers' go too). */
  constructor(private readonly maxPieces = 10_000) {}

  /** The piece `key` rendered from inputs whose signature is `signature`: its UTF-8 bytes and their hash. */
  piece(key: string, signature: string, render: () => VNode): Piece {
    const kept = this.pieces.get(key);
    if (kept?.signature === signature) return kept;
    const bytes = Buffer.from(renderToString(render()));
    const piece = { signature, bytes, hash: createHash('sha1').update(bytes).digest() };
    if (!kept && this.pieces.size >= this.maxPieces) this.pieces.clear();
    this.pieces.set(key, piece);
    return piece;
  }

  get size(): number {
    return this.pieces.size;
  }
}

/** How to render one piece of a list and tell whether a kept one still shows the item as it is. */
export interface PieceOf<Item> {
  /** One key per variant kept (e.g. server id and the viewer's permissions). */
  key(item: Item): string;
  /** Everything the piece is rendered from, as text. */
  signature(item: Item): string;
  render(item: Item): VNode;
}

/** Marks where a run of pieces goes; Preact escapes `<` in every text, so no user text can forge one. */
const MARKER = /<!--l4d2web-pieces-(\d+)-->/g;

/**
 * One page being assembled from kept pieces: the page is rendered around markers, and its bytes are
 * the page's with each run of pieces (kept bytes, never encoded again) in place of its marker. The
 * same bytes as rendering the items in place, without rendering or encoding them again.
 */
export class PageParts {
  private readonly runs: Piece[][] = [];

  constructor(private readonly cache: FragmentCache) {}

  /** The marker of these items' pieces, for `dangerouslySetInnerHTML`. */
  mark<Item>(items: readonly Item[], piece: PieceOf<Item>): string {
    this.runs.push(
      items.map((item) => this.cache.piece(piece.key(item), piece.signature(item), () => piece.render(item))),
    );
    return `<!--l4d2web-pieces-${this.runs.length - 1}-->`;
  }

  /**
   * The whole document, as bytes, and its ETag: the hash of the page around the markers and of its
   * pieces' hashes (the same bytes, the same tag), not of the whole page again.
   */
  document(page: VNode): { body: Buffer; etag: string } {
    const html = renderDocument(page);
    const chunks: Buffer[] = [];
    const hashes: Buffer[] = [];
    let from = 0;
    for (const match of html.matchAll(MARKER)) {
      const run = this.runs[Number(match[1])] ?? [];
      chunks.push(Buffer.from(html.slice(from, match.index)), ...run.map((piece) => piece.bytes));
      hashes.push(...run.map((piece) => piece.hash));
      from = match.index + match[0].length;
    }
    chunks.push(Buffer.from(html.slice(from)));
    const tag = createHash('sha1').update(html);
    for (const hash of hashes) tag.update(hash);
    return { body: Buffer.concat(chunks), etag: `"${tag.digest('base64url')}"` };
  }
}

/**
 * The pieces of a list for `dangerouslySetInnerHTML` (Preact rendered and escaped each): through the
 * page's parts when there are (a marker), else rendered in place.
 */
export function renderPieces<Item>(
  parts: PageParts | undefined,
  items: readonly Item[],
  piece: PieceOf<Item>,
): string {
  if (parts) return parts.mark(items, piece);
  let html = '';
  for (const item of items) html += renderToString(piece.render(item));
  return html;
}
