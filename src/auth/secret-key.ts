import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The key file in DATA_DIR: a copy of the database alone decrypts no two-factor secret. */
export const SECRET_KEY_FILE = 'secret.key';

/**
 * The panel's own key, kept in `$DATA_DIR/secret.key` (32 random bytes, mode 0600, made on first
 * use): it encrypts two-factor secrets (AES-256-GCM) and signs pending logins (HMAC-SHA256), each
 * with a key of its own derived from it. Panels sharing a PostgreSQL database must share this file.
 */
export class SecretKey {
  private master: Buffer | undefined;

  constructor(private readonly dataDir: string) {}

  /** Encrypts text; `context` (e.g. `totp:<user id>`) must match on decryption, so a ciphertext moved to another row fails. */
  encrypt(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.derive('encrypt'), iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The plain text, or null when it was not encrypted by this key for this context. */
  decrypt(sealed: string, context: string): string | null {
    if (!sealed.startsWith('v1.')) return null;
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    if (bytes.length < 12 + 16) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.derive('encrypt'), bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(12, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** An HMAC-SHA256 signature of the text (base64url). */
  sign(text: string): string {
    return createHmac('sha256', this.derive('sign')).update(text).digest('base64url');
  }

  /** Whether the signature is the text's, compared in constant time. */
  verify(text: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(text));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private derive(purpose: 'encrypt' | 'sign'): Buffer {
    return Buffer.from(hkdfSync('sha256', this.masterKey(), '', `l4d2web ${purpose}`, 32));
  }

  /** Reads the key file, making it (0600) when there is none; two panels racing read the one that won. */
  private masterKey(): Buffer {
    if (this.master) return this.master;
    const file = path.join(this.dataDir, SECRET_KEY_FILE);
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) {
      // Written whole under another name, then linked into place: a reader never sees half a key,
      // and link() fails when another panel got there first (its key is then the one).
      const partial = `${file}.${process.pid}.partial`;
      fs.writeFileSync(partial, randomBytes(32).toString('base64'), { mode: 0o600 });
      try {
        fs.linkSync(partial, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        fs.rmSync(partial, { force: true });
      }
    }
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} is not a key of this panel (32 bytes, base64)`);
    this.master = key;
    return key;
  }
}
