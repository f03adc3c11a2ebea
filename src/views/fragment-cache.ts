import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Rendered pieces of pages (a dashboard card, a row of the servers table), kept with a signature of
 * everything they were rendered from. A piece is rendered again when its signature changes (the
 * server was renamed, changed state, got a player, the viewer's permissions differ): a piece shown
 * is always what rendering it now would give.
 */
export class FragmentCache {
  private readonly pieces = new Map<string, { signature: string; html: string }>();

  /** @param maxPieces past this many, everything is dropped and rendered afresh (deleted servers' go too). */
  constructor(private readonly maxPieces = 10_000) {}

  /** The HTML of the piece `key` rendered from inputs whose signature is `signature`. */
  html(key: string, signature: string, render: () => VNode): string {
    const kept = this.pieces.get(key);
    if (kept?.signature === signature) return kept.html;
    const html = renderToString(render());
    if (!kept && this.pieces.size >= this.maxPieces) this.pieces.clear();
    this.pieces.set(key, { signature, html });
    return html;
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

/**
 * The pieces of a list as one HTML string (for `dangerouslySetInnerHTML`: Preact rendered and escaped
 * each), through the cache when there is one: the same bytes as rendering the items in place.
 */
export function renderPieces<Item>(
  cache: FragmentCache | undefined,
  items: readonly Item[],
  piece: PieceOf<Item>,
): string {
  let html = '';
  for (const item of items) {
    html += cache
      ? cache.html(piece.key(item), piece.signature(item), () => piece.render(item))
      : renderToString(piece.render(item));
  }
  return html;
}
