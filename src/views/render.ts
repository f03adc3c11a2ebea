import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** Renders a page component to a full HTML document; Preact escapes every text and attribute. */
export function renderDocument(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}
