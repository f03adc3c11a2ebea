import { createHmac, randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { CVARS } from './cvars.js';
import type { GameState } from './state.js';

export const L4D2_APP_ID = 550;
export const GAME_VERSION = '2.2.4.3';
/** A made-up gameserver SteamID, like the anonymous one a real server is given at log-on. */
const STEAM_ID = 90_200_000_000_000_001n;

const PREFIX = Buffer.from([0xff, 0xff, 0xff, 0xff]);
export const A2S_INFO = 0x54;
export const A2S_PLAYER = 0x55;
export const A2S_RULES = 0x56;
export const A2S_GETCHALLENGE = 0x57;
export const S2C_CHALLENGE = 0x41;
const INFO_PAYLOAD = Buffer.from('Source Engine Query\0', 'latin1');

class PacketWriter {
  private readonly parts: Buffer[] = [PREFIX];
  byte(value: number): this {
    this.parts.push(Buffer.from([value & 0xff]));
    return this;
  }
  short(value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value & 0xffff);
    this.parts.push(b);
    return this;
  }
  long(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.parts.push(b);
    return this;
  }
  float(value: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.parts.push(b);
    return this;
  }
  longlong(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(value);
    this.parts.push(b);
    return this;
  }
  string(value: string): this {
    this.parts.push(Buffer.from(`${value}\0`, 'utf8'));
    return this;
  }
  raw(value: Buffer): this {
    this.parts.push(value);
    return this;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function keywords(state: GameState): string {
  const words = [state.getCvar('mp_gamemode')];
  if (state.players.length === 0) words.push('empty');
  const tags = state.getCvar('sv_tags');
  if (tags !== '') words.push(tags);
  words.push('secure');
  return words.join(',');
}

export function encodeInfo(state: GameState, gamePort: number): Buffer {
  return new PacketWriter()
    .byte(0x49)
    .byte(17)
    .string(state.hostname)
    .string(state.map)
    .string('left4dead2')
    .string('Left 4 Dead 2')
    .short(L4D2_APP_ID)
    .byte(Math.min(255, state.players.length))
    .byte(Math.min(255, state.maxPlayers))
    .byte(0)
    .byte('d'.charCodeAt(0))
    .byte('l'.charCodeAt(0))
    .byte(state.passwordProtected ? 1 : 0)
    .byte(1)
    .string(GAME_VERSION)
    .byte(0x80 | 0x10 | 0x20 | 0x01)
    .short(gamePort)
    .longlong(STEAM_ID)
    .string(keywords(state))
    .longlong(BigInt(L4D2_APP_ID))
    .toBuffer();
}

export function encodePlayers(state: GameState): Buffer {
  const players = state.players.slice(0, 255);
  const writer = new PacketWriter().byte(0x44).byte(players.length);
  for (const player of players) {
    writer.byte(0).string(player.name).long(player.score).float(state.secondsConnected(player));
  }
  return writer.toBuffer();
}

export function rulesOf(state: GameState, names: readonly string[]): Array<[string, string]> {
  return names.map((name) => {
    const value = state.getCvar(name);
    // srcds reports protected cvars such as sv_password as 0/1, never their value.
    return [name, name === 'sv_password' ? (value === '' ? '0' : '1') : value];
  });
}

export function encodeRules(rules: ReadonlyArray<[string, string]>): Buffer {
  const writer = new PacketWriter().byte(0x45).short(rules.length);
  for (const [name, value] of rules) writer.string(name).string(value);
  return writer.toBuffer();
}

/** Stateless challenges: a keyed hash of the client's IP address, so no table of clients is kept. */
export class Challenges {
  private readonly secret = randomBytes(16);

  for(address: string): Buffer {
    const challenge = createHmac('sha256', this.secret).update(address).digest().subarray(0, 4);
    // 0 and -1 mean "no challenge" to clients; never hand them out.
    if (challenge.readInt32LE() === 0 || challenge.readInt32LE() === -1) challenge[0] = 0x2a;
    return challenge;
  }

  reply(challenge: Buffer): Buffer {
    return new PacketWriter().byte(S2C_CHALLENGE).raw(challenge).toBuffer();
  }
}

export type A2sRequest =
  | { kind: 'info' | 'players' | 'rules'; challenge: Buffer | undefined }
  | { kind: 'getchallenge' };

/** Parses a single-packet A2S request; undefined for anything else (srcds ignores it). */
export function parseRequest(packet: Buffer): A2sRequest | undefined {
  if (packet.length < 5 || packet.readInt32LE(0) !== -1) return undefined;
  const header = packet[4];
  if (header === A2S_INFO) {
    if (!packet.subarray(5, 5 + INFO_PAYLOAD.length).equals(INFO_PAYLOAD)) return undefined;
    const rest = packet.subarray(5 + INFO_PAYLOAD.length);
    return { kind: 'info', challenge: rest.length >= 4 ? rest.subarray(0, 4) : undefined };
  }
  if (header === A2S_PLAYER || header === A2S_RULES) {
    const challenge = packet.length >= 9 ? packet.subarray(5, 9) : undefined;
    return { kind: header === A2S_PLAYER ? 'players' : 'rules', challenge };
  }
  if (header === A2S_GETCHALLENGE) return { kind: 'getchallenge' };
  return undefined;
}

export interface QueryHost {
  readonly state: GameState;
  readonly port: number;
  isResponsive(): boolean;
}

/** Answers A2S queries on the game port's UDP socket, with the S2C_CHALLENGE step for each kind. */
export function answerQueries(socket: Socket, host: QueryHost): void {
  const challenges = new Challenges();
  const notifyCvars = CVARS.filter((c) => c.notify).map((c) => c.name);
  socket.on('message', (packet, peer) => {
    if (!host.isResponsive()) return;
    const request = parseRequest(packet);
    if (request === undefined) return;
    const challenge = challenges.for(peer.address);
    let reply: Buffer;
    if (request.kind === 'getchallenge' || request.challenge?.equals(challenge) !== true) {
      reply = challenges.reply(challenge);
    } else if (request.kind === 'info') {
      reply = encodeInfo(host.state, host.port);
    } else if (request.kind === 'players') {
      reply = encodePlayers(host.state);
    } else {
      reply = encodeRules(rulesOf(host.state, notifyCvars));
    }
    socket.send(reply, peer.port, peer.address);
  });
}
