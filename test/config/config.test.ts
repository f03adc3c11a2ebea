import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { runCli } from '../helpers/cli.js';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, false);
    const dataDir = path.resolve('./data');
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: path.join(dataDir, 'l4d2web.sqlite'),
      srcdsDir: path.join(dataDir, 'srcds'),
      allowRegistration: false,
      trustProxy: false,
      publicUrl: null,
      allowedHosts: [],
      logLevel: 'info',
      logFormat: 'json',
      runtime: 'process',
      dockerHost: { socketPath: '/var/run/docker.sock' },
      srcdsImage: 'l4d2web/srcds:local',
      steamApiUrl: 'https://api.steampowered.com',
      maxUploadBytes: 2048 * 1024 * 1024,
      steamcmd: null,
      updateCheckHours: 6,
      autoUpdate: 'off',
      installMinFreeGb: 12,
      allowPrivateWebhooks: false,
      auditRetentionDays: 365,
    });
  });

  it('reads the install settings (design/install.md)', () => {
    expect(
      loadConfig({
        STEAMCMD: '/opt/steamcmd/steamcmd.sh',
        UPDATE_CHECK_HOURS: '0.5',
        AUTO_UPDATE: 'when-empty',
        INSTALL_MIN_FREE_GB: '0',
      }),
    ).toMatchObject({
      steamcmd: '/opt/steamcmd/steamcmd.sh',
      updateCheckHours: 0.5,
      autoUpdate: 'when-empty',
      installMinFreeGb: 0,
    });
  });

  it('reads the runtime, the Engine API address and the image', () => {
    expect(
      loadConfig({
        RUNTIME: 'swarm',
        DOCKER_HOST: 'tcp://10.0.0.5:2375',
        SRCDS_IMAGE: 'registry.lan:5000/l4d2/srcds:2',
      }),
    ).toMatchObject({
      runtime: 'swarm',
      dockerHost: { protocol: 'http', host: '10.0.0.5', port: 2375 },
      srcdsImage: 'registry.lan:5000/l4d2/srcds:2',
    });
    expect(loadConfig({ RUNTIME: 'docker', DOCKER_HOST: 'unix:///run/d.sock' })).toMatchObject({
      runtime: 'docker',
      dockerHost: { socketPath: '/run/d.sock' },
    });
  });

  it('logs in short lines on a terminal and JSON elsewhere, unless LOG_FORMAT says', () => {
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
  });

  it('reads every variable, deriving the database and srcds paths from DATA_DIR', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATA_DIR: '/srv/l4d2',
      ALLOW_REGISTRATION: 'true',
      LOG_LEVEL: 'debug',
      PUBLIC_URL: 'https://Panel.Example.com/',
      ALLOWED_HOSTS: ' panel.lan, 192.168.1.10:8080 ,[fd00::1],,',
      STEAM_API_URL: 'http://127.0.0.1:8123/steam/',
      MAX_UPLOAD_MB: '100',
      ALLOW_PRIVATE_WEBHOOKS: 'true',
      AUDIT_RETENTION_DAYS: '0',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/srv/l4d2',
      databaseUrl: '/srv/l4d2/l4d2web.sqlite',
      srcdsDir: '/srv/l4d2/srcds',
      allowRegistration: true,
      logLevel: 'debug',
      publicUrl: 'https://panel.example.com',
      allowedHosts: ['panel.lan', '192.168.1.10:8080', '[fd00::1]'],
      steamApiUrl: 'http://127.0.0.1:8123/steam',
      maxUploadBytes: 100 * 1024 * 1024,
      allowPrivateWebhooks: true,
      auditRetentionDays: 0,
    });
    const postgres = loadConfig({ DATABASE_URL: 'postgres://u:p@db/l4d2', SRCDS_DIR: '/opt/l4d2' });
    expect([postgres.databaseUrl, postgres.srcdsDir]).toEqual(['postgres://u:p@db/l4d2', '/opt/l4d2']);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['ALLOW_REGISTRATION', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'panel.example.com'],
    ['PUBLIC_URL', 'ftp://panel.example.com'],
    ['PUBLIC_URL', 'https://panel.example.com/l4d2'],
    ['PUBLIC_URL', 'https://admin:secret@panel.example.com'],
    ['ALLOWED_HOSTS', 'https://panel.example.com'],
    ['ALLOWED_HOSTS', 'panel.example.com/x'],
    ['ALLOWED_HOSTS', 'panel.lan:99999'],
    ['RUNTIME', 'kubernetes'],
    ['DOCKER_HOST', '/var/run/docker.sock'],
    ['DOCKER_HOST', 'unix://relative.sock'],
    ['DOCKER_HOST', 'ssh://root@node'],
    ['DOCKER_HOST', 'tcp://user:pw@node:2375'],
    ['SRCDS_IMAGE', 'L4D2/Srcds'],
    ['SRCDS_IMAGE', 'srcds:bad tag'],
    ['STEAM_API_URL', 'api.steampowered.com'],
    ['STEAM_API_URL', 'file:///etc/passwd'],
    ['STEAM_API_URL', 'https://user:key@api.steampowered.com'],
    ['MAX_UPLOAD_MB', '0'],
    ['MAX_UPLOAD_MB', '1.5'],
    ['MAX_UPLOAD_MB', 'lots'],
    ['UPDATE_CHECK_HOURS', '-1'],
    ['UPDATE_CHECK_HOURS', 'daily'],
    ['AUTO_UPDATE', 'always'],
    ['INSTALL_MIN_FREE_GB', '12GB'],
    ['ALLOW_PRIVATE_WEBHOOKS', 'maybe'],
    ['AUDIT_RETENTION_DAYS', '-1'],
    ['AUDIT_RETENTION_DAYS', 'a year'],
    ['AUDIT_RETENTION_DAYS', '1.5'],
  ])('refuses %s=%s with one line naming it', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(name)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('stops the panel with exit 1 and one line on stderr for PORT=abc', async () => {
    const result = await runCli([], { PORT: 'abc', DATA_DIR: '/nonexistent/l4d2web' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('PORT')]);
    expect(result.stderr).toMatch(/^l4d2web: PORT="abc" /);
  });

  it('stops the panel with exit 1 and one line on stderr for a PUBLIC_URL that is not an http(s) URL', async () => {
    const result = await runCli([], { PUBLIC_URL: 'panel.example.com', DATA_DIR: '/nonexistent/l4d2web' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'l4d2web: PUBLIC_URL="panel.example.com" must be an http:// or https:// URL of the panel, e.g. https://panel.example.com\n',
    );
  });
});
