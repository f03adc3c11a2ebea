import { describe, expect, it } from 'vitest';
import { buildLaunchPlan, clientPortFor, displayLaunchLine, shellQuote } from '../../src/launch/plan.js';
import { generateRconPassword } from '../../src/launch/rcon-password.js';

const server = { id: 7, port: 27015 };
const blueprint = {
  arguments: ['+map', 'c2m1_highway', '+sv_gametypes', 'coop,versus'],
  config: ['hostname "My Server"', 'sv_maxplayers 8', '// a comment', ''],
};
const settings = { srcdsDir: '/srv/l4d2', rconPassword: 'Secret123abc' };

describe('buildLaunchPlan', () => {
  const plan = buildLaunchPlan(server, blueprint, settings);

  it('runs srcds_run of the install', () => {
    expect(plan.command).toBe('/srv/l4d2/srcds_run');
  });

  it('puts the panel options first, in order, then the blueprint arguments', () => {
    expect(plan.args).toEqual([
      '-game',
      'left4dead2',
      '-norestart',
      '-strictportbind',
      '-port',
      '27015',
      '+clientport',
      '27005',
      '-nohltv',
      '+exec',
      'l4d2web/server-7.cfg',
      '+map',
      'c2m1_highway',
      '+sv_gametypes',
      'coop,versus',
    ]);
  });

  it('names the cfg file relative to cfg/ and absolutely', () => {
    expect(plan.cfgRelative).toBe('l4d2web/server-7.cfg');
    expect(plan.cfgPath).toBe('/srv/l4d2/left4dead2/cfg/l4d2web/server-7.cfg');
  });

  it('writes the blueprint config lines exactly, then the panel lines, ending with a newline', () => {
    const lines = plan.cfgText.split('\n');
    expect(lines.slice(0, 4)).toEqual(blueprint.config);
    expect(lines[4]).toMatch(/^\/\/ .*managed by l4d2web/i);
    expect(lines[5]).toBe('rcon_password "Secret123abc"');
    expect(lines[6]).toBe('');
    expect(lines).toHaveLength(7);
  });

  it('keeps the rcon password out of argv and out of the displayed line', () => {
    expect(plan.args.join(' ')).not.toContain('Secret123abc');
    expect(plan.args).not.toContain('+rcon_password');
    expect(displayLaunchLine(plan)).not.toContain('Secret123abc');
  });

  it('handles an empty blueprint', () => {
    const empty = buildLaunchPlan({ id: 1, port: 28000 }, { arguments: [], config: [] }, settings);
    expect(empty.args.at(-1)).toBe('l4d2web/server-1.cfg');
    expect(empty.cfgText).toMatch(/^\/\/ .*\nrcon_password "Secret123abc"\n$/);
  });
});

describe('displayLaunchLine', () => {
  it('shell-quotes words that need it', () => {
    const plan = buildLaunchPlan(
      server,
      { arguments: ['+hostname', "Bob's server", '+sv_tags', 'a b'], config: [] },
      { srcdsDir: '/srv/my games', rconPassword: 'x' },
    );
    expect(displayLaunchLine(plan)).toBe(
      "'/srv/my games/srcds_run' -game left4dead2 -norestart -strictportbind -port 27015 +clientport 27005 " +
        "-nohltv +exec l4d2web/server-7.cfg +hostname 'Bob'\\''s server' +sv_tags 'a b'",
    );
    expect(shellQuote('')).toBe("''");
  });
});

describe('clientPortFor', () => {
  it('is the game port minus 10', () => {
    expect(clientPortFor(27015)).toBe(27005);
    expect(clientPortFor(30000)).toBe(29990);
  });
});

describe('generateRconPassword', () => {
  it('is long, alphanumeric and different every time', () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generateRconPassword()));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9]{24,}$/);
  });
});
