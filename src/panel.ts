import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { type DatabaseHandle, openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { Supervisor } from './supervisor/supervisor.js';

export interface Panel {
  app: FastifyInstance;
  database: DatabaseHandle;
  supervisor: Supervisor;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/** Opens and migrates the database, starts the supervisor and serves HTTP. */
export async function startPanel(config: Config): Promise<Panel> {
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const supervisor = new Supervisor(config, database);
  const app = await buildApp({ config, database, supervisor });
  await supervisor.start();
  const url = await app.listen({ port: config.port, host: config.host });
  return {
    app,
    database,
    supervisor,
    url,
    async close() {
      await app.close();
      // Game servers keep running: the next panel adopts them.
      await supervisor.stop();
      await database.close();
    },
  };
}
