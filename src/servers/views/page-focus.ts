/** Which part of the server page a failed (or answered) form belongs to. */
export type ServerSection = 'settings' | 'console' | 'map' | 'players' | 'members';

/** What the page shows after a form of its own: the section it was about and the user's input. */
export interface ServerPageFocus {
  section?: ServerSection;
  /** The console command typed, kept in its field. */
  command?: string;
  /** The reply to that command, shown in place. */
  output?: string;
  /** The map typed or picked. */
  map?: string;
  /** The username typed in the add-member form. */
  member?: string;
}
