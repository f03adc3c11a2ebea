/** srcds console syntax: `;` separates commands, `//` starts a comment, `"..."` groups words. */
export function splitCommands(line: string): string[] {
  const commands: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '/' && line[i + 1] === '/') break;
    if (!quoted && (ch === ';' || ch === '\n')) {
      commands.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  commands.push(current);
  return commands.map((c) => c.trim()).filter((c) => c !== '');
}

/** Splits one command into words; quotes group words and are removed. */
export function tokenize(command: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"?|(\S+)/g;
  for (const match of command.matchAll(pattern)) words.push(match[1] ?? match[2] ?? '');
  return words;
}

/** Everything after the command name, with one pair of surrounding quotes removed (as `say` sees it). */
export function argumentText(command: string): string {
  const rest = command.replace(/^\s*\S+\s*/, '');
  return rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"') ? rest.slice(1, -1) : rest;
}
