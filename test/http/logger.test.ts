import { describe, expect, it } from 'vitest';
import { loggerOptions, prettyLogLine } from '../../src/http/logger.js';

const at = new Date(2026, 0, 2, 14, 2, 31).getTime();
const line = (entry: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: at, pid: 1, hostname: 'h', ...entry });

describe('pretty log lines', () => {
  it('prints time, level and message, and the other fields as key=value', () => {
    expect(prettyLogLine(line({ msg: 'lease acquired' }))).toBe('14:02:31 INFO  lease acquired');
    expect(prettyLogLine(line({ level: 40, msg: 'slow', serverId: 3, note: 'two words', ok: true }))).toBe(
      '14:02:31 WARN  slow serverId=3 note="two words" ok=true',
    );
  });

  it('prints one line per request: the completion, with method, URL, status and time', () => {
    expect(
      prettyLogLine(line({ reqId: 'req-1', req: { method: 'GET', url: '/' }, msg: 'incoming request' })),
    ).toBe(null);
    expect(
      prettyLogLine(
        line({
          reqId: 'req-1',
          res: { statusCode: 302, method: 'POST', url: '/servers/1/start' },
          responseTime: 4.6,
          msg: 'request completed',
        }),
      ),
    ).toBe('14:02:31 INFO  POST /servers/1/start 302 5 ms');
  });

  it('prints an error with its stack indented below', () => {
    const text = prettyLogLine(
      line({
        level: 50,
        msg: 'boom',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
      }),
    );
    expect(text).toBe('14:02:31 ERROR boom\n    Error: boom\n        at x');
  });

  it('colours the level only when asked', () => {
    expect(prettyLogLine(line({ level: 50, msg: 'x' }), true)).toBe('14:02:31 \x1b[31mERROR\x1b[0m x');
  });

  it('passes a line that is not JSON through as it is', () => {
    expect(prettyLogLine('plain text\n')).toBe('plain text');
  });
});

describe('logger options', () => {
  it('is off when silent, pino JSON for json, a pretty stream for pretty', () => {
    expect(loggerOptions({ logLevel: 'silent', logFormat: 'pretty' })).toBe(false);
    expect(loggerOptions({ logLevel: 'debug', logFormat: 'json' })).toEqual({ level: 'debug' });
    const written: string[] = [];
    const options = loggerOptions(
      { logLevel: 'info', logFormat: 'pretty' },
      { write: (text: string) => written.push(text) },
    );
    if (typeof options !== 'object' || !options || !('stream' in options)) throw new Error('no stream');
    options.stream?.write(line({ msg: 'hello' }));
    options.stream?.write(line({ msg: 'incoming request' }));
    expect(written).toEqual(['14:02:31 INFO  hello\n']);
  });
});
