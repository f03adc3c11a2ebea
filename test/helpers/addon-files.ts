/**
 * Addon files the tests build themselves (nothing binary is committed): VPKs come from
 * src/addons/vpk-writer.ts; here are gzip'd tars written entry by entry with tar-stream, which
 * writes names and link targets verbatim (so a test can craft `..`, absolute paths and links out),
 * and SourcePawn plugins.
 */
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** A .tar.gz holding `entries` exactly as given. */
export async function tarGz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = type === 'file' ? Buffer.from(entry.content ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: entry.name,
          type,
          linkname: entry.linkname,
          mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
          size: content?.length ?? 0,
        },
        content ?? Buffer.alloc(0),
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** A SourcePawn plugin: the magic 0x53504646 ("FFPS" on disk) and a body. */
export function smxBytes(name = 'plugin'): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(0x53504646, 0);
  return Buffer.concat([header, Buffer.from(`\x01\x02sim plugin ${name}\0`)]);
}

/** The shape of SourceMod's Linux package: addons/sourcemod/{bin,plugins,configs,...}, its metamod vdf, cfg/. */
export function sourcemodEntries(): TarEntry[] {
  return [
    { name: 'addons/', type: 'directory' },
    { name: 'addons/metamod/', type: 'directory' },
    {
      name: 'addons/metamod/sourcemod.vdf',
      content: '"Metamod Plugin"\n{\n\t"file" "addons/sourcemod/bin/sourcemod_mm"\n}\n',
    },
    { name: 'addons/sourcemod/', type: 'directory' },
    { name: 'addons/sourcemod/bin/', type: 'directory' },
    { name: 'addons/sourcemod/bin/sourcemod_mm_i486.so', content: '\x7fELF sim', mode: 0o755 },
    { name: 'addons/sourcemod/bin/sourcemod.2.l4d2.so', content: '\x7fELF sim', mode: 0o755 },
    { name: 'addons/sourcemod/configs/', type: 'directory' },
    { name: 'addons/sourcemod/configs/admins_simple.ini', content: '// stock\n' },
    { name: 'addons/sourcemod/configs/core.cfg', content: '"Core"\n{\n}\n' },
    { name: 'addons/sourcemod/configs/geoip/GeoIP.dat', content: 'geoip' },
    { name: 'addons/sourcemod/data/', type: 'directory' },
    { name: 'addons/sourcemod/logs/', type: 'directory' },
    { name: 'addons/sourcemod/gamedata/core.games/common.games.txt', content: '"Games" {}\n' },
    { name: 'addons/sourcemod/plugins/', type: 'directory' },
    { name: 'addons/sourcemod/plugins/admin-flatfile.smx', content: smxBytes('admin-flatfile') },
    { name: 'addons/sourcemod/plugins/basecommands.smx', content: smxBytes('basecommands') },
    { name: 'addons/sourcemod/plugins/disabled/', type: 'directory' },
    { name: 'addons/sourcemod/plugins/disabled/mapchooser.smx', content: smxBytes('mapchooser') },
    { name: 'addons/sourcemod/translations/core.phrases.txt', content: '"Phrases" {}\n' },
    { name: 'cfg/sourcemod/sourcemod.cfg', content: 'sm_show_activity 13\n' },
  ];
}

/** The shape of Metamod:Source's Linux package. */
export function metamodEntries(): TarEntry[] {
  return [
    { name: 'addons/', type: 'directory' },
    {
      name: 'addons/metamod.vdf',
      content: '"Plugin"\n{\n\t"file" "../left4dead2/addons/metamod/bin/server"\n}\n',
    },
    { name: 'addons/metamod/', type: 'directory' },
    { name: 'addons/metamod/metaplugins.ini', content: '; plugins\n' },
    { name: 'addons/metamod/bin/', type: 'directory' },
    { name: 'addons/metamod/bin/server.so', content: '\x7fELF sim', mode: 0o755 },
    { name: 'addons/metamod/bin/metamod.2.l4d2.so', content: '\x7fELF sim', mode: 0o755 },
  ];
}

export const sourcemodArchive = () => tarGz(sourcemodEntries());
export const metamodArchive = () => tarGz(metamodEntries());

/** A multipart/form-data body holding one file field, as a browser's upload form sends it. */
export function multipart(
  content: Buffer,
  filename: string,
  field = 'file',
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----l4d2webTest${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
