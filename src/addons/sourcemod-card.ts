/**
 * The server page's SourceMod card: what Metamod:Source and SourceMod say of themselves, asked over
 * RCON (one command at a time, through the supervisor) when the page is opened on a running server
 * whose blueprint runs SourceMod.
 */

export interface SourcemodStatus {
  metaVersion: string;
  smVersion: string;
  plugins: string;
  /** Why the answers are missing ('' when they are there). */
  error: string;
}

export const SOURCEMOD_COMMANDS = ['meta version', 'sm version', 'sm plugins list'] as const;

/** Runs the card's three commands; the first failure ends it, with its message. */
export async function sourcemodStatus(run: (command: string) => Promise<string>): Promise<SourcemodStatus> {
  const replies: string[] = [];
  try {
    for (const command of SOURCEMOD_COMMANDS) replies.push((await run(command)).trim());
  } catch (error) {
    return { metaVersion: '', smVersion: '', plugins: '', error: (error as Error).message };
  }
  const [metaVersion = '', smVersion = '', plugins = ''] = replies;
  return { metaVersion, smVersion, plugins, error: '' };
}
