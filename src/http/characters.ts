/**
 * Characters a user cannot see: controls (Cc), formatting marks (Cf: zero-width, bidi overrides),
 * line and paragraph separators (Zl, Zp), and lone surrogates. They make a name read differently
 * than it is, and a message that quotes them would hide them again.
 */
const invisible = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** "U+200B" for a character; a lone surrogate is named as such. */
export function codePointLabel(char: string): string {
  const hex = (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return char.isWellFormed() ? `U+${hex}` : `a lone surrogate (U+${hex})`;
}

/** The first invisible character of text, labelled ("U+202E"), or null when there is none. */
export function firstInvisible(text: string): string | null {
  if (text.isWellFormed() && !invisible.test(text)) return null;
  for (const char of text) if (!char.isWellFormed() || invisible.test(char)) return codePointLabel(char);
  return null;
}

/** Text without its invisible characters (names from elsewhere: an upload's file name, a Workshop title). */
export function withoutInvisible(text: string): string {
  return [...text].filter((char) => firstInvisible(char) === null).join('');
}

/** Text as a message may show it: printable ASCII as is, anything else as \uXXXX. */
export function escapeUnprintable(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}
