import { parseArgs } from 'node:util';
import { benchHttp } from './http.js';

/** `npm run bench [-- --seconds 10 --connections 10]`: prints figures, asserts nothing. */
async function main() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      servers: { type: 'string', default: '100' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL;
  console.log(
    `# HTTP: panel vs a raw node:http server sending the same bytes (${values.servers} servers, ` +
      `${values.connections} connections, ${values.seconds} s each, database: ${databaseUrl ? 'postgres' : 'sqlite'})`,
  );
  const rows = await benchHttp({
    servers: Number(values.servers),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    databaseUrl,
  });
  console.log('| endpoint | panel req/s | panel p99 ms | ceiling req/s | ceiling p99 ms | panel/ceiling |');
  console.log('|---|---|---|---|---|---|');
  for (const { name, panel, ceiling } of rows) {
    const ratio = panel.requestsPerSecond / ceiling.requestsPerSecond;
    const problems =
      panel.errors + panel.non2xx > 0 ? ` (${panel.errors} errors, ${panel.non2xx} non-2xx)` : '';
    console.log(
      `| ${name} | ${panel.requestsPerSecond.toFixed(0)} | ${panel.p99Ms} | ${ceiling.requestsPerSecond.toFixed(0)} | ` +
        `${ceiling.p99Ms} | ${ratio.toFixed(2)}${problems} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
