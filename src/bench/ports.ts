import { busyPort } from '../supervisor/ports.js';

/**
 * count game ports in [from, to) (below Linux's ephemeral range), checked free as the supervisor
 * checks them (game UDP+TCP, client UDP P-10). Blocks of 20 from a random block: client ports
 * B..B+9, game ports B+10..B+19, so P and P-10 of different servers never overlap.
 */
export async function freeGamePorts(count: number, from = 20_000, to = 32_000): Promise<number[]> {
  const blocks = Math.floor((to - from) / 20);
  const first = Math.floor(Math.random() * blocks);
  const ports: number[] = [];
  for (let b = 0; b < blocks && ports.length < count; b++) {
    const base = from + ((first + b) % blocks) * 20;
    for (let i = 10; i < 20 && ports.length < count; i++) {
      if ((await busyPort(base + i)) === null) ports.push(base + i);
    }
  }
  if (ports.length < count)
    throw new Error(`only ${ports.length} of ${count} free game ports in ${from}-${to}`);
  return ports;
}
