import { describe, expect, it } from 'vitest';
import { appInfoArgs, bootstrapArgs, commandText, updateArgs } from '../../src/install/command-lines.js';

describe('SteamCMD command lines', () => {
  it('installs with the Windows-then-Linux bootstrap, exactly as the contract writes it', () => {
    expect(commandText('steamcmd', bootstrapArgs('/srv/l4d2'))).toBe(
      'steamcmd +@NoPromptForPassword 1 +@ShutdownOnFailedCommand 1 +force_install_dir /srv/l4d2 ' +
        '+login anonymous +@sSteamCmdForcePlatformType windows +app_update 222860 ' +
        '+@sSteamCmdForcePlatformType linux +app_update 222860 validate +quit',
    );
  });

  it('updates and validates', () => {
    expect(commandText('steamcmd', updateArgs('/srv/l4d2'))).toBe(
      'steamcmd +@NoPromptForPassword 1 +@ShutdownOnFailedCommand 1 +force_install_dir /srv/l4d2 ' +
        '+login anonymous +app_update 222860 validate +quit',
    );
  });

  it('asks for the app info', () => {
    expect(appInfoArgs().join(' ')).toBe(
      '+@NoPromptForPassword 1 +login anonymous +app_info_update 1 +app_info_print 222860 +quit',
    );
  });

  it('keeps an odd directory one argument (argv, no shell), and quotes it for display', () => {
    const dir = "/srv/my l4d2's; rm -rf ~";
    expect(updateArgs(dir)).toContain(dir);
    expect(commandText('steamcmd', ['+force_install_dir', dir])).toBe(
      `steamcmd +force_install_dir '/srv/my l4d2'\\''s; rm -rf ~'`,
    );
  });
});
