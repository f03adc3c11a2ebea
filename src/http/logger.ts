/**
 * The panel's logger (Fastify's pino): JSON lines for log collectors, or, on a terminal, one short
 * line per event: `14:02:31 INFO  GET /servers 200 4 ms`.
 */
import type { FastifyReply, FastifyServerOptions } from 'fastify';
import type { Config } from '../config/config.js';

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const levelColours: Record<number, string> = { 20: '2', 30: '32', 40: '33', 50: '31', 60: '41;97' };

/** pino's own fields, and Fastify's request fields, which the short line shows its own way. */
const shownElsewhere = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'err',
  'reqId',
  'req',
  'res',
  'responseTime',
]);

function clock(time: unknown): string {
  const date = typeof time === 'number' ? new Date(time) : new Date();
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}

/** key=value: strings bare unless they need quotes, everything else as JSON. */
function fieldText(value: unknown): string {
  if (typeof value !== 'string') return JSON.stringify(value) ?? String(value);
  return value === '' || /[\s"=]/.test(value) ? JSON.stringify(value) : value;
}

/**
 * One pino JSON line as a short readable line, or null for a line not worth a terminal line
 * (Fastify's "incoming request": the "request completed" line says it all). Not JSON: as it is.
 */
export function prettyLogLine(json: string, colours = false): string | null {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json);
  } catch {
    return json.trimEnd();
  }
  if (entry.msg === 'incoming request') return null;
  const level = Number(entry.level);
  const name = (levelNames[level] ?? 'LOG').padEnd(5);
  const colour = levelColours[level];
  let text = `${clock(entry.time)} ${colours && colour ? `\x1b[${colour}m${name}\x1b[0m` : name} `;
  const res = entry.res as { statusCode?: number; method?: string; url?: string } | undefined;
  if (entry.msg === 'request completed' && res?.method) {
    const ms = typeof entry.responseTime === 'number' ? ` ${Math.round(entry.responseTime)} ms` : '';
    text += `${res.method} ${res.url} ${res.statusCode}${ms}`;
  } else {
    text += String(entry.msg ?? '');
  }
  for (const [key, value] of Object.entries(entry)) {
    if (!shownElsewhere.has(key) && value !== undefined) text += ` ${key}=${fieldText(value)}`;
  }
  const err = entry.err as { stack?: string; message?: string } | undefined;
  const detail = err?.stack ?? err?.message;
  if (detail) text += `\n    ${detail.replaceAll('\n', '\n    ')}`;
  return text;
}

type LoggerOptions = FastifyServerOptions['logger'];

/** Fastify's `logger` option for this configuration. */
export function loggerOptions(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  out: { write(text: string): unknown; isTTY?: boolean } = process.stdout,
): LoggerOptions {
  if (config.logLevel === 'silent') return false;
  if (config.logFormat === 'json') return { level: config.logLevel };
  const colours = out.isTTY === true && !process.env.NO_COLOR;
  return {
    level: config.logLevel,
    stream: {
      write(line: string) {
        const text = prettyLogLine(line, colours);
        if (text !== null) out.write(`${text}\n`);
      },
    },
    // The completion line names its request, so one line per request is enough.
    serializers: {
      res: (reply: Partial<FastifyReply> & Pick<FastifyReply, 'statusCode'>) => ({
        statusCode: reply.statusCode,
        method: reply.request?.method,
        url: reply.request?.url,
      }),
    },
  };
}
