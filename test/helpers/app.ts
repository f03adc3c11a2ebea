import fs from 'node:fs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import { SseReader } from '../../src/bench/sse.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { type DatabaseHandle, type Dialect, openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { AppDeps } from '../../src/deps.js';
import { InstallGate } from '../../src/install/control.js';
import { Installer, type InstallerSettings } from '../../src/install/installer.js';
import { InstallStore } from '../../src/install/store.js';
import { installerSettings } from '../../src/install/wiring.js';
import type { SupervisorControl } from '../../src/supervisor/control.js';
import { dropDatabase, freshDatabaseUrl } from './dialects.js';

/** Matches the ISO 8601 UTC timestamps rows carry (created_at, updated_at). */
export const timestamp = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

/** A fresh data directory under the system temp dir, removed by the caller's cleanup. */
export function tempDir(prefix = 'l4d2web-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A supervisor that records what it is asked and does nothing: for HTTP-only tests. */
export function recordingSupervisor(): SupervisorControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    desiredStateChanged: (id) => void calls.push(`changed ${id}`),
    restart: async (id) => void calls.push(`restart ${id}`),
    removeServer: async (id) => void calls.push(`remove ${id}`),
    liveStatus: () => null,
    playerHistory: () => [],
    rcon: async (id, command) => {
      calls.push(`rcon ${id} ${command}`);
      return '';
    },
    subscribe: () => () => {},
  };
}

export interface TestApp {
  app: FastifyInstance;
  database: DatabaseHandle;
  config: Config;
  /** The app's Installer (src/install/): SteamCMD as STEAMCMD says, no servers held unless given. */
  installer: Installer;
  dataDir: string;
  close(): Promise<void>;
}

/** Installer settings for tests: network failures are retried after 20, 40 and 80 ms. */
export function testInstallerSettings(config: Config): InstallerSettings {
  return installerSettings(config, { job: { retryBaseMs: 20 } });
}

/** An Installer on the app's database that holds no servers (HTTP tests without a supervisor). */
export function testInstaller(config: Config, database: DatabaseHandle): Installer {
  return new Installer(new InstallStore(database.db), testInstallerSettings(config), null);
}

/** The real app on a real, migrated database (SQLite file in a temp dir by default). */
export async function startTestApp(
  options: {
    dialect?: Dialect;
    env?: Record<string, string>;
    supervisor?: SupervisorControl;
    /** An existing database (e.g. one a CLI command wrote) instead of a fresh one. */
    databaseUrl?: string;
    /** Makes the app's Installer (default: one that holds no servers, quick network retries). */
    installer?: (config: Config, database: DatabaseHandle) => Installer;
  } = {},
): Promise<TestApp> {
  const dataDir = tempDir();
  const databaseUrl = options.databaseUrl ?? (await freshDatabaseUrl(options.dialect ?? 'sqlite', dataDir));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const database = openDatabase(config.databaseUrl);
  await migrateToLatest(database);
  const installer = (options.installer ?? testInstaller)(config, database);
  const deps: AppDeps = {
    config,
    database,
    supervisor: options.supervisor ?? recordingSupervisor(),
    install: new InstallGate(installer, () => true),
  };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    database,
    config,
    installer,
    dataDir,
    async close() {
      await app.close();
      await installer.close();
      await database.close();
      // A fresh PostgreSQL database is dropped (SQLite's file goes with dataDir).
      if (!options.databaseUrl) await dropDatabase(databaseUrl);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A browser-like or script-like client that keeps its session cookie between requests. */
export class Client {
  cookies = new Map<string, string>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly mode: 'json' | 'form',
    /** Sent with every request, e.g. a bearer token's Authorization. */
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  /** The Cookie header this client sends (for requests made outside inject, e.g. event streams). */
  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Sends a payload exactly as given (malformed JSON, odd content types); keeps cookies. */
  async send(
    method: InjectOptions['method'],
    url: string,
    options: { payload?: string | Buffer; headers?: Record<string, string> } = {},
  ) {
    const cookie = this.cookieHeader;
    const response: LightMyRequestResponse = await this.app.inject({
      method,
      url,
      headers: {
        ...(cookie && { cookie }),
        accept: this.mode === 'json' ? 'application/json' : 'text/html',
        ...this.defaultHeaders,
        ...options.headers,
      },
      ...(options.payload !== undefined && { payload: options.payload }),
    });
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (cookie.value === '' || cookie.maxAge === 0) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  /** A body as this client encodes it: JSON, or a urlencoded form. */
  async request(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    if (body === undefined) return this.send(method, url, { headers });
    const json = this.mode === 'json';
    return this.send(method, url, {
      payload: json ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
      headers: {
        'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
        ...headers,
      },
    });
  }

  get = (url: string) => this.request('GET', url);
  post = (url: string, body?: unknown) => this.request('POST', url, body);
  patch = (url: string, body?: unknown) => this.request('PATCH', url, body);
  delete = (url: string) => this.request('DELETE', url);
}

export const password = 'correct horse battery';

/** Registers (the first account is admin) and returns a signed-in client. */
export async function signUp(
  app: FastifyInstance,
  username: string,
  mode: 'json' | 'form' = 'json',
): Promise<Client> {
  const client = new Client(app, mode);
  const response = await client.post('/register', { username, password });
  if (response.statusCode !== 201 && response.statusCode !== 302) {
    throw new Error(`register ${username}: ${response.statusCode} ${response.body}`);
  }
  return client;
}

/** Signs an existing account in and returns the client. */
export async function logIn(
  app: FastifyInstance,
  username: string,
  mode: 'json' | 'form' = 'json',
): Promise<Client> {
  const client = new Client(app, mode);
  const response = await client.post('/login', { username, password });
  if (response.statusCode !== 200 && response.statusCode !== 302) {
    throw new Error(`login ${username}: ${response.statusCode} ${response.body}`);
  }
  return client;
}

/** Creates a blueprint through the API and returns its id. */
export async function createBlueprint(client: Client, body: Record<string, unknown> = {}): Promise<number> {
  const response = await client.post('/blueprints', { name: 'coop', arguments: [], config: [], ...body });
  if (response.statusCode !== 201)
    throw new Error(`create blueprint: ${response.statusCode} ${response.body}`);
  return response.json().id;
}

/** Creates a server through the API and returns its id. */
export async function createServer(
  client: Client,
  body: { name: string; port: number; blueprint_id: number },
): Promise<number> {
  const response = await client.post('/servers', body);
  if (response.statusCode !== 201) throw new Error(`create server: ${response.statusCode} ${response.body}`);
  return response.json().id;
}

/** A script's client: every request carries `Authorization: Bearer <token>` and no cookie it did not get. */
export function tokenClient(app: FastifyInstance, token: string): Client {
  return new Client(app, 'json', { authorization: `Bearer ${token}` });
}

/** Makes an API token for a signed-in client and returns it. */
export async function createApiToken(
  client: Client,
  scope: 'read' | 'write' = 'write',
  name = `${scope} token`,
): Promise<string> {
  const response = await client.request(
    'POST',
    '/account/tokens',
    { name, scope },
    { accept: 'application/json' },
  );
  if (response.statusCode !== 201) throw new Error(`create token: ${response.statusCode} ${response.body}`);
  return response.json().token;
}

/** Every row of every table in a stable order: equal before and after means nothing changed. */
export async function snapshot({ db }: DatabaseHandle) {
  return {
    // Without last_used_at, which every use of a token sets, refused or not.
    api_tokens: await db
      .selectFrom('api_tokens')
      .select(['id', 'user_id', 'name', 'scope', 'token_hash', 'created_at', 'expires_at'])
      .orderBy('id')
      .execute(),
    user_totp: await db.selectFrom('user_totp').selectAll().orderBy('user_id').execute(),
    recovery_codes: await db.selectFrom('recovery_codes').selectAll().orderBy('id').execute(),
    server_members: await db
      .selectFrom('server_members')
      .selectAll()
      .orderBy('server_id')
      .orderBy('user_id')
      .execute(),
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    sessions: await db.selectFrom('sessions').selectAll().orderBy('id').execute(),
    blueprints: await db.selectFrom('blueprints').selectAll().orderBy('id').execute(),
    servers: await db.selectFrom('servers').selectAll().orderBy('id').execute(),
    server_ports: await db.selectFrom('server_ports').selectAll().orderBy('port').execute(),
    schedules: await db.selectFrom('schedules').selectAll().orderBy('id').execute(),
    schedule_servers: await db
      .selectFrom('schedule_servers')
      .selectAll()
      .orderBy('schedule_id')
      .orderBy('server_id')
      .execute(),
    schedule_runs: await db.selectFrom('schedule_runs').selectAll().orderBy('id').execute(),
    webhooks: await db.selectFrom('webhooks').selectAll().orderBy('id').execute(),
    // Not the audit log: it records attempts too (a failed sign-in changes nothing, and is kept).
  };
}

/** Text as the server-rendered pages show it (Preact escapes &, < and "). */
export function asInPage(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
}

/** An event stream opened on a listening app: its status, its events as they come, and its end. */
export interface OpenStream<Event> {
  /** The response's status, once its headers came. */
  ready: Promise<number>;
  events: Event[];
  /** Resolves when the server ends the stream (never when close() does). */
  ended: Promise<void>;
  /** Whether the server ended it. */
  readonly isEnded: boolean;
  close(): void;
}

/** Opens a stream with a session cookie (a string) or other headers (e.g. a bearer token's). */
export function openStream<Event = unknown>(
  url: string,
  credentials: string | Record<string, string>,
): OpenStream<Event> {
  const headers = typeof credentials === 'string' ? { cookie: credentials } : credentials;
  const events: Event[] = [];
  const reader = new SseReader();
  let isEnded = false;
  let serverEnded = () => {};
  const ended = new Promise<void>((resolve) => {
    serverEnded = () => {
      isEnded = true;
      resolve();
    };
  });
  const request = httpRequest(url, { headers: { ...headers, accept: 'text/event-stream' } });
  const ready = new Promise<number>((resolve, reject) => {
    request.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        for (const { data } of reader.push(chunk)) if (data) events.push(JSON.parse(data) as Event);
      });
      response.on('end', serverEnded);
      response.on('error', () => undefined);
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
  request.end();
  return {
    ready,
    events,
    ended,
    get isEnded() {
      return isEnded;
    },
    close: () => request.destroy(),
  };
}

/**
 * Reads an event stream until `count` events came (then hangs up) or the server ended it. Each
 * event's name must be its `type`, as the browser script listens by name.
 */
export function readEvents(
  url: string,
  cookie: string,
  count: number,
): Promise<{ status: number; events: unknown[] }> {
  return new Promise((resolve, reject) => {
    const events: unknown[] = [];
    const reader = new SseReader();
    const request = httpRequest(url, { headers: { cookie, accept: 'text/event-stream' } }, (response) => {
      const done = () => resolve({ status: response.statusCode ?? 0, events });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        for (const frame of reader.push(chunk)) {
          if (!frame.data || events.length >= count) continue;
          const event = JSON.parse(frame.data) as { type: string };
          expect(frame.event).toBe(event.type);
          events.push(event);
        }
        if (events.length >= count) {
          request.destroy();
          done();
        }
      });
      response.on('end', done);
    });
    request.on('error', reject);
    request.end();
  });
}
