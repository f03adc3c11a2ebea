/**
 * A Docker engine of its own, for the tests and the bench: Debian's dockerd on a temp data root, its
 * API on a unix socket in a short temp path (a socket path has ~108 bytes at most), no bridge, no
 * iptables, host networking only, so nothing but loopback is touched. `stop()` removes its
 * containers, stops it, unmounts what it left and removes its files.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { connectEngine } from './engine.js';
import { buildImage } from './image/build.js';

export interface ScratchEngine {
  docker: Docker;
  /** DOCKER_HOST for a panel or the CLI: unix://<dir>/d.sock. */
  dockerHost: string;
  dir: string;
  stop(): Promise<void>;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(path.join(dir, command)));
}

/** Why this machine cannot run a scratch engine and build the image, or null when it can. */
export function engineUnavailable(): string | null {
  if (process.platform !== 'linux') return 'a Docker engine needs Linux';
  if (process.getuid?.() !== 0) return 'a Docker engine of its own needs root (dockerd, debootstrap)';
  for (const command of ['dockerd', 'containerd', 'runc', 'debootstrap']) {
    if (!onPath(command)) return `${command} is not installed (apt-get install docker.io debootstrap)`;
  }
  return null;
}

export async function startScratchEngine(): Promise<ScratchEngine> {
  const dir = await mkdtemp('/tmp/l4d2d-');
  const socketPath = path.join(dir, 'd.sock');
  const logPath = path.join(dir, 'dockerd.log');
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      'exec dockerd "$@" >"$LOG" 2>&1',
      'dockerd',
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--ip-masq=false',
      '--storage-driver=overlay2',
      `--data-root=${path.join(dir, 'data')}`,
      `--exec-root=${path.join(dir, 'x')}`,
      `--host=unix://${socketPath}`,
      `--pidfile=${path.join(dir, 'pid')}`,
      '--log-level=warn',
    ],
    { env: { ...process.env, LOG: logPath }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const docker = connectEngine({ socketPath });
  const engine: ScratchEngine = {
    docker,
    dockerHost: `unix://${socketPath}`,
    dir,
    stop: () => stopDockerd(docker, child, exited, dir),
  };
  for (let waited = 0; ; waited += 200) {
    if (child.exitCode !== null || waited > 60_000) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await engine.stop();
      throw new Error(`dockerd did not start:\n${log.split('\n').slice(-15).join('\n')}`);
    }
    if (
      existsSync(socketPath) &&
      (await docker.ping().then(
        () => true,
        () => false,
      ))
    )
      return engine;
    await sleep(200);
  }
}

async function stopDockerd(
  docker: Docker,
  child: ChildProcess,
  exited: Promise<void>,
  dir: string,
): Promise<void> {
  if (child.exitCode === null) {
    // Services first (a swarm would restart nothing, but keep it tidy), then every container.
    await docker.swarmLeave({ force: true }).catch(() => undefined);
    const containers = await docker.listContainers({ all: true }).catch(() => []);
    await Promise.all(
      containers.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  // Whatever dockerd left mounted under its directories (overlays, shm) goes before the files.
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) {
    try {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * Makes the engine a single-node swarm manager, listening on loopback only (a free port; the
 * gossip port 7946 is fixed, so one swarm per machine at a time). Returns the node's id.
 */
export async function initSwarm(engine: ScratchEngine): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const address = `127.0.0.1:${port}`;
  return (await engine.docker.swarmInit({
    ListenAddr: address,
    AdvertiseAddr: address,
    DataPathAddr: '127.0.0.1',
  })) as string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the tests and the bench keep the root file system's tarball between runs, keyed by its recipe. */
export const IMAGE_CACHE_DIR = path.join(repoRoot, 'node_modules', '.cache', 'l4d2web-image');

/**
 * The simulator image in this engine: debootstrap once per machine (a minute or two; the tarball
 * is cached), then an import of a few seconds into each scratch engine.
 */
export async function simulatorImage(engine: ScratchEngine, image = 'l4d2web/srcds:test'): Promise<string> {
  await buildImage({ docker: engine.docker, image, simulator: true, cacheDir: IMAGE_CACHE_DIR });
  return image;
}
