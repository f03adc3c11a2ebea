#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { dbCopyCommand } from './cli/db-copy.js';
import { demo } from './cli/demo.js';
import { serve } from './cli/serve.js';
import { addUser } from './cli/user-add.js';
import { ConfigError, loadConfig } from './config/config.js';
import { imageCommand } from './containers/image/command.js';
import { openDatabase } from './db/connect.js';
import { DatabaseInUseError } from './db/file-lock.js';
import { MigrationError, migrateToLatest } from './db/migrate.js';
import { installCommand } from './install/cli.js';
import { simSteamcmdCommand } from './sim-steamcmd/install.js';
import { simInstallCommand } from './simulator/install.js';

const usage = `usage: l4d2web [command]
  serve                 serve the panel (default)
  demo                  serve the panel on a simulated srcds install
  migrate               apply pending database migrations
  install               install or update the game with SteamCMD (the panel's job, with a progress bar)
  user add NAME [--admin]  create an account; the password is read from stdin
  db copy --to URL      copy this (SQLite) panel's data into an empty PostgreSQL database
  sim-install DIR       lay out a simulated srcds install in DIR
  sim-steamcmd DIR      lay out the SteamCMD simulator in DIR (STEAMCMD=DIR/steamcmd.sh)
  image build [--simulator] [--mirror URL] [--cache DIR]
                        make SRCDS_IMAGE (Debian bookworm and srcds's libraries; --simulator adds
                        Node.js for the srcds simulator) in the Docker engine at DOCKER_HOST; root`;

async function migrate(): Promise<number> {
  const database = openDatabase(loadConfig().databaseUrl);
  try {
    const applied = await migrateToLatest(database);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<number | undefined> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      admin: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      to: { type: 'string' },
      simulator: { type: 'boolean', default: false },
      mirror: { type: 'string' },
      cache: { type: 'string' },
    },
  });
  const [command = 'serve', ...rest] = positionals;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  switch (command) {
    case 'serve':
      await serve(loadConfig());
      return undefined;
    case 'demo':
      await demo(loadConfig());
      return undefined;
    case 'migrate':
      return migrate();
    case 'install':
      return installCommand(loadConfig());
    case 'user':
      if (rest[0] !== 'add' || !rest[1]) break;
      return addUser(loadConfig(), rest[1], values.admin);
    case 'sim-install':
      return simInstallCommand(rest);
    case 'image':
      return imageCommand(loadConfig(), rest, values);
    case 'sim-steamcmd':
      return simSteamcmdCommand(rest);
    case 'db':
      if (rest[0] !== 'copy') break;
      return dbCopyCommand(loadConfig(), values.to);
  }
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    // A second panel on a SQLite database: exactly the contract's line (hardening.md).
    if (error instanceof DatabaseInUseError) {
      console.error(error.message);
      process.exit(1);
    }
    // Bad configuration, a refused migration, a port or host that cannot be had: one clear line, exit 1.
    const code = (error as { code?: string }).code ?? '';
    const environmental =
      /^(ERR_PARSE_ARGS|EADDRINUSE|EADDRNOTAVAIL|EACCES|ENOTFOUND|EAI_AGAIN|ECONNREFUSED)/.test(code);
    if (error instanceof ConfigError || error instanceof MigrationError || environmental) {
      console.error(`l4d2web: ${(error as Error).message}`);
      process.exit(1);
    }
    console.error(error);
    process.exit(1);
  },
);
