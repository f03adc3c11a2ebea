import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { parseImageName } from '../../src/config/runtime.js';
import { simulatorImageProblem } from '../../src/containers/image/check.js';
import { debootstrapArgs, imageRecipe, importChanges, recipeKey } from '../../src/containers/image/recipe.js';
import { logText } from '../../src/containers/log-frames.js';
import { runCli } from '../helpers/cli.js';
import {
  IMAGE_CACHE_DIR,
  simulatorImage,
  skipWithoutEngine,
  startDockerd,
  type TestEngine,
} from '../helpers/dockerd.js';

describe('the image recipe', () => {
  it("is bookworm minbase with srcds's 32-bit libraries; the simulator's adds Node.js", () => {
    const plain = imageRecipe({ simulator: false });
    expect(plain.packages).toEqual(['lib32gcc-s1', 'lib32stdc++6', 'ca-certificates']);
    expect(imageRecipe({ simulator: true }).packages).toEqual([...plain.packages, 'nodejs']);
    expect(debootstrapArgs(plain, '/tmp/root')).toEqual([
      '--variant=minbase',
      '--include=lib32gcc-s1,lib32stdc++6,ca-certificates',
      'bookworm',
      '/tmp/root',
      'http://deb.debian.org/debian',
    ]);
  });

  it('is named by a key that changes with what goes in, and labels the image with it', () => {
    const key = recipeKey(imageRecipe({ simulator: false }));
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(recipeKey(imageRecipe({ simulator: false }))).toBe(key);
    expect(recipeKey(imageRecipe({ simulator: true }))).not.toBe(key);
    expect(recipeKey(imageRecipe({ simulator: false, mirror: 'http://mirror.lan/debian' }))).not.toBe(key);
    expect(importChanges(imageRecipe({ simulator: true }))).toContain('LABEL l4d2web.simulator=true');
    expect(importChanges(imageRecipe({ simulator: false }))).toContain(`LABEL l4d2web.recipe=${key}`);
  });

  it.each([
    ['l4d2web/srcds:local', { repo: 'l4d2web/srcds', tag: 'local' }],
    ['srcds', { repo: 'srcds', tag: 'latest' }],
    ['registry.lan:5000/l4d2/srcds:2.1', { repo: 'registry.lan:5000/l4d2/srcds', tag: '2.1' }],
  ])('reads the image name %s', (name, expected) => {
    expect(parseImageName(name)).toEqual(expected);
  });

  it.each(['', 'L4D2/srcds', 'srcds:', 'srcds:a b', 'a//b', '-x'])('refuses the image name "%s"', (name) => {
    expect(parseImageName(name)).toBeNull();
  });
});

describe('l4d2web image build', () => {
  it('says how to call it, and what is wrong with DOCKER_HOST', async () => {
    expect(await runCli(['image'], {})).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('usage: l4d2web image build'),
    });
    const unreachable = await runCli(['image', 'build'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr.trim()).toMatch(
      /^image build: cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock \(DOCKER_HOST\): .*ENOENT/,
    );
    const bad = await runCli(['image', 'build'], { DOCKER_HOST: 'docker.sock' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^l4d2web: DOCKER_HOST="docker.sock" must be/),
    ]);
  });
});

describe.skipIf(skipWithoutEngine())('l4d2web image build in a Docker engine', () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startDockerd();
    // Makes (or finds) the cached root file system the command below reuses.
    await simulatorImage(engine);
  }, 600_000);
  afterAll(() => engine?.stop(), 60_000);

  it('imports the root file system as SRCDS_IMAGE, labelled; once there, it is not imported again', async () => {
    const env = { DOCKER_HOST: engine.dockerHost, SRCDS_IMAGE: 'l4d2web/srcds:cli' };
    const args = ['image', 'build', '--simulator', '--cache', IMAGE_CACHE_DIR];
    const first = await runCli(args, env, '', 240_000);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^reusing .*rootfs-[0-9a-f]{16}\.tar$/m);
    expect(first.stdout).toMatch(/^built l4d2web\/srcds:cli/m);
    const image = await engine.docker.getImage('l4d2web/srcds:cli').inspect();
    const key = recipeKey(imageRecipe({ simulator: true }));
    expect(image.Config.Labels).toEqual({ 'l4d2web.recipe': key, 'l4d2web.simulator': 'true' });

    const again = await runCli(args, env, '', 240_000);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`l4d2web/srcds:cli is up to date (recipe ${key})`);
  }, 600_000);

  it('tells the demo whether SRCDS_IMAGE can run the simulator', async () => {
    const config = (image: string) =>
      loadConfig({ RUNTIME: 'docker', DOCKER_HOST: engine.dockerHost, SRCDS_IMAGE: image });
    expect(await simulatorImageProblem(config('l4d2web/srcds:cli'))).toBeNull();
    expect(await simulatorImageProblem(config('l4d2web/srcds:none'))).toBe(
      'l4d2web/srcds:none is not in the Docker engine: build it with "l4d2web image build --simulator" (as root)',
    );
  });

  it("holds srcds's 32-bit libraries, and a Node.js that runs the simulator", async () => {
    const output = await runInImage(engine, 'l4d2web/srcds:cli', [
      'sh',
      '-c',
      'for p in lib32gcc-s1 lib32stdc++6 libc6-i386; do dpkg -s $p | grep -q "ok installed" && echo "$p installed"; done; node --version',
    ]);
    expect(output).toContain('lib32gcc-s1 installed');
    expect(output).toContain('lib32stdc++6 installed');
    expect(output).toContain('libc6-i386 installed');
    expect(output).toMatch(/^v18\./m);
  });
});

describe('the demo on a container runtime', () => {
  it('says when the engine cannot be reached', async () => {
    const config = loadConfig({ RUNTIME: 'docker', DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(await simulatorImageProblem(config)).toMatch(
      /^cannot reach the Docker engine \(DOCKER_HOST\): .*ENOENT.* at unix:\/\/\/nonexistent\/docker\.sock$/,
    );
  });
});

/** Runs a command in a throwaway container of the image; returns its output. */
async function runInImage(engine: TestEngine, image: string, command: string[]): Promise<string> {
  const container = await engine.docker.createContainer({
    Image: image,
    Cmd: command,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    expect(await container.wait()).toMatchObject({ StatusCode: 0 });
    return logText(await container.logs({ stdout: true, stderr: true }));
  } finally {
    await container.remove({ force: true });
  }
}
