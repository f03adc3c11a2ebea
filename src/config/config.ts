import path from 'node:path';
import { z } from 'zod';
import { parseHost } from './host-name.js';
import { type RuntimeSettings, runtimeEnvironment, runtimeSettings } from './runtime.js';

/** The panel's settings, read once from the environment (DESIGN.md, Configuration). */
export interface Config extends RuntimeSettings {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  srcdsDir: string;
  allowRegistration: boolean;
  /** Behind a reverse proxy: take the client's address and protocol from X-Forwarded-* headers. */
  trustProxy: boolean;
  /** Where users reach the panel (PUBLIC_URL), as an origin such as https://panel.example.com. */
  publicUrl: string | null;
  /** More Host names the panel answers to (ALLOWED_HOSTS), lower-case, maybe with a port. */
  allowedHosts: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty`: one short line per event, for a terminal; `json`: pino's JSON lines, for log collectors. */
  logFormat: 'pretty' | 'json';
  /** Webhooks may target loopback, private, link-local and multicast addresses (ALLOW_PRIVATE_WEBHOOKS). */
  allowPrivateWebhooks: boolean;
  /** Audit entries older than this many days are swept (AUDIT_RETENTION_DAYS; 0 keeps them forever). */
  auditRetentionDays: number;
  /** The Steam Web API the Workshop is asked through (STEAM_API_URL), without a trailing slash. */
  steamApiUrl: string;
  /** The largest addon upload accepted, in bytes (MAX_UPLOAD_MB). */
  maxUploadBytes: number;
  /** STEAMCMD: the SteamCMD program (a path, or a name on PATH); null: look for it (design/install.md). */
  steamcmd: string | null;
  /** UPDATE_CHECK_HOURS: how often to ask Steam for a new build; 0: never. */
  updateCheckHours: number;
  /** AUTO_UPDATE: what a found update does by itself. */
  autoUpdate: 'off' | 'when-empty' | 'now';
  /** INSTALL_MIN_FREE_GB: an install or update refuses to start with less free in SRCDS_DIR. */
  installMinFreeGb: number;
}

export class ConfigError extends Error {}

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

function nonNegativeNumber(what: string) {
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, `must be ${what}`)
    .transform(Number);
}

const environment = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, 'must be a port number')
    .transform(Number)
    .refine((port) => port >= 0 && port <= 65535, 'must be a port number between 0 and 65535')
    .default(8080),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  DATABASE_URL: z.string().min(1, 'must not be empty').optional(),
  SRCDS_DIR: z.string().min(1, 'must not be empty').optional(),
  ALLOW_REGISTRATION: booleanText.default(false),
  TRUST_PROXY: booleanText.default(false),
  PUBLIC_URL: z
    .string()
    .refine(isRootUrl, 'must be an http:// or https:// URL of the panel, e.g. https://panel.example.com')
    .transform((url) => new URL(url).origin)
    .optional(),
  ALLOWED_HOSTS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter(Boolean),
    )
    .refine(
      (entries) => entries.every((entry) => parseHost(entry) !== null),
      'must be host names or addresses separated by commas, e.g. panel.example.com,192.168.1.10',
    )
    .default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json'], { error: 'must be pretty or json' }).optional(),
  ALLOW_PRIVATE_WEBHOOKS: booleanText.default(false),
  AUDIT_RETENTION_DAYS: z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number of days (0 keeps entries forever)')
    .transform(Number)
    .default(365),
  STEAM_API_URL: z
    .string()
    .refine(isHttpUrl, 'must be an http:// or https:// URL, e.g. https://api.steampowered.com')
    .transform((url) => url.replace(/\/+$/, ''))
    .default('https://api.steampowered.com'),
  MAX_UPLOAD_MB: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of megabytes')
    .transform(Number)
    .refine((mb) => mb >= 1 && mb <= 1_048_576, 'must be between 1 and 1048576 (1 TB)')
    .default(2048),
  STEAMCMD: z.string().optional(),
  UPDATE_CHECK_HOURS: nonNegativeNumber('a number of hours (0: never)').default(6),
  AUTO_UPDATE: z
    .enum(['off', 'when-empty', 'now'], { error: 'must be off, when-empty or now' })
    .default('off'),
  INSTALL_MIN_FREE_GB: nonNegativeNumber('a number of GB').default(12),
  ...runtimeEnvironment,
});

/** An http(s) URL with a host and no credentials (a path is allowed: an API behind a prefix). */
function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return ['http:', 'https:'].includes(url.protocol) && url.hostname !== '' && !url.username && !url.password;
}

/** An http(s) URL naming a host and nothing below the root (the panel has no path prefix). */
function isRootUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (
    ['http:', 'https:'].includes(url.protocol) &&
    url.hostname !== '' &&
    !url.username &&
    !url.password &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash
  );
}

/**
 * Parses the environment; throws ConfigError with one line naming the bad variable. Logs are
 * pretty by default when stdout is a terminal.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  stdoutIsTerminal = process.stdout.isTTY === true,
): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`${name}=${JSON.stringify(env[name] ?? '')} ${issue?.message ?? 'is invalid'}`);
  }
  const values = parsed.data;
  const dataDir = path.resolve(values.DATA_DIR);
  const databaseUrl = values.DATABASE_URL ?? path.join(dataDir, 'l4d2web.sqlite');
  if (/^[a-z]+:\/\//i.test(databaseUrl) && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a SQLite file path or a postgres:// URL`);
  }
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir,
    databaseUrl,
    srcdsDir: path.resolve(values.SRCDS_DIR ?? path.join(dataDir, 'srcds')),
    allowRegistration: values.ALLOW_REGISTRATION,
    trustProxy: values.TRUST_PROXY,
    publicUrl: values.PUBLIC_URL ?? null,
    allowedHosts: values.ALLOWED_HOSTS,
    logLevel: values.LOG_LEVEL,
    logFormat: values.LOG_FORMAT ?? (stdoutIsTerminal ? 'pretty' : 'json'),
    allowPrivateWebhooks: values.ALLOW_PRIVATE_WEBHOOKS,
    auditRetentionDays: values.AUDIT_RETENTION_DAYS,
    steamApiUrl: values.STEAM_API_URL,
    maxUploadBytes: values.MAX_UPLOAD_MB * 1024 * 1024,
    steamcmd: values.STEAMCMD ?? null,
    updateCheckHours: values.UPDATE_CHECK_HOURS,
    autoUpdate: values.AUTO_UPDATE,
    installMinFreeGb: values.INSTALL_MIN_FREE_GB,
    ...runtimeSettings(values),
  };
}
