import { describe, expect, it } from 'vitest';
import { buildLaunchPlan, clientPortFor, displayLaunchLine, shellQuote } from '../../src/launch/plan.js';
import { generateRconPassword } from '../../src/launch/rcon-password.js';

const server = { id: 7, port: 27015 };
const blueprint = {
  arguments: ['+map', 'c2m1_highway', '+sv_gametypes', 'coop,versus'],
  config: ['hostname "My Server"', 'sv_maxplayers 8', '// a comment', ''],
};
const settings = { dataDir: '/var/lib/l4d2web', srcdsDir: '/srv/l4d2', rconPassword: 'Secret123abc' };

describe('buildLaunchPlan', () => {
  const plan = buildLaunchPlan(server, blueprint, settings);

  it("runs the instance's srcds_run from the instance, which mirrors the install", () => {
    expect(plan.command).toBe('/var/lib/l4d2web/servers/7/game/srcds_run');
    expect(plan.cwd).toBe('/var/lib/l4d2web/servers/7/game');
    expect(plan.installDir).toBe('/srv/l4d2');
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
      'l4d2web.cfg',
      '+map',
      'c2m1_highway',
      '+sv_gametypes',
      'coop,versus',
    ]);
  });

  it("writes the cfg into the instance's own cfg/, never into the shared install", () => {
    expect(plan.cfgPath).toBe('/var/lib/l4d2web/servers/7/game/left4dead2/cfg/l4d2web.cfg');
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
    expect(empty.args.at(-1)).toBe('l4d2web.cfg');
    expect(empty.cfgPath).toBe('/var/lib/l4d2web/servers/1/game/left4dead2/cfg/l4d2web.cfg');
    expect(empty.cfgText).toMatch(/^\/\/ .*\nrcon_password "Secret123abc"\n$/);
  });
});

describe('displayLaunchLine', () => {
  it('shell-quotes words that need it', () => {
    const plan = buildLaunchPlan(
      server,
      { arguments: ['+hostname', "Bob's server", '+sv_tags', 'a b'], config: [] },
      { dataDir: '/srv/my games', srcdsDir: '/srv/l4d2', rconPassword: 'x' },
    );
    expect(displayLaunchLine(plan)).toBe(
      "'/srv/my games/servers/7/game/srcds_run' -game left4dead2 -norestart -strictportbind -port 27015 " +
        "+clientport 27005 -nohltv +exec l4d2web.cfg +hostname 'Bob'\\''s server' +sv_tags 'a b'",
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
