import type { Config } from '../config/config.js';
import { type Panel, startPanel } from '../panel.js';

/** Serves until SIGINT/SIGTERM, then closes cleanly; game servers keep running. */
export async function serve(config: Config): Promise<Panel> {
  const panel = await startPanel(config);
  panel.app.log.info(
    `l4d2web on ${panel.url} (database: ${panel.database.dialect}, srcds: ${config.srcdsDir})`,
  );
  const shutdown = async () => {
    await panel.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return panel;
}
