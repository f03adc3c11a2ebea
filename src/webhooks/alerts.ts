/**
 * Alerts (design/operations.md): what happened, turned into each interested webhook's payload and
 * delivered off the caller's path. `notify` only queues (the supervisor calls it inside a reconcile
 * step); deliveries start at once, each with a 5 s timeout and up to 3 retries with backoff, and
 * their last result is recorded on the webhook.
 */
import type { Kysely } from 'kysely';
import { hidePasswordSettings } from '../audit/detail.js';
import type { SecretKey } from '../auth/secret-key.js';
import type { Database } from '../db/schema.js';
import type { FailedRun } from '../schedules/runner.js';
import type { Incident, SupervisorControl } from '../supervisor/control.js';
import { postJson } from './deliver.js';
import type { AlertEvent, WebhookFormat } from './input.js';
import { recordDelivery, type Target, targetsFor } from './webhooks.js';

/** One alert, before it is put in a webhook's format. */
export interface Alert {
  event: AlertEvent | 'test';
  server: { id: number; name: string; port: number } | null;
  /** ISO 8601. */
  at: string;
  /** A one-line summary (the embed's title). */
  title: string;
  detail: Record<string, unknown> & { console?: string[] };
}

/** The lines of a crash alert. */
export const CONSOLE_LINES = 20;

const colors: Record<string, number> = {
  crashed: 0xe67e22,
  hang: 0xe67e22,
  crash_loop: 0xc0392b,
  failed: 0xc0392b,
  update_failed: 0xc0392b,
  schedule_failed: 0xc0392b,
  update_available: 0x3498db,
  update_done: 0x2ecc71,
  test: 0x95a5a6,
};

/** The body a webhook receives: Discord's message shape, or plain JSON. */
export function payloadFor(format: WebhookFormat, alert: Alert): unknown {
  if (format === 'json')
    return { event: alert.event, server: alert.server, at: alert.at, detail: alert.detail };
  const { console: lines, ...rest } = alert.detail;
  const facts = Object.entries(rest)
    .map(([key, value]) => `**${key}**: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n');
  // Discord: 2000 characters of content, 4096 of an embed's description.
  const log = lines?.length
    ? `\n\`\`\`\n${lines.join('\n').replaceAll('```', "'''").slice(-3500)}\n\`\`\``
    : '';
  return {
    content: alert.title.slice(0, 2000),
    embeds: [
      {
        title: alert.title.slice(0, 256),
        description: `${facts}${log}`.slice(0, 4096),
        color: colors[alert.event] ?? 0,
      },
    ],
  };
}

/** Console lines as an alert may carry them: the server's RCON password nowhere, any password setting masked. */
export function safeConsoleLines(lines: readonly string[], rconPassword: string): string[] {
  return lines.map((line) =>
    hidePasswordSettings(rconPassword ? line.replaceAll(rconPassword, '***') : line),
  );
}

/** Delivers to one webhook now, once: the target's HTTP status, or throws with why there was none. */
export async function deliverOnce(
  target: Target,
  alert: Alert,
  options: { allowPrivate: boolean; timeoutMs: number },
): Promise<number> {
  if (!target.url) throw new Error("the URL no longer opens with this panel's key (DATA_DIR/secret.key)");
  return postJson(target.url, payloadFor(target.format, alert), options);
}

export interface AlertOptions {
  timeoutMs: number;
  /** Waits before each retry (3 retries by default). */
  retryDelaysMs: number[];
  allowPrivate: boolean;
}

export const defaultAlertOptions: Omit<AlertOptions, 'allowPrivate'> = {
  timeoutMs: 5_000,
  retryDelaysMs: [1_000, 4_000, 15_000],
};

const incidentTitles: Record<Incident['kind'], string> = {
  crashed: 'crashed',
  crash_loop: 'is crash-looping and was given up on',
  hang: 'stopped answering and was restarted',
  failed: 'failed',
};

export class Alerts {
  private readonly options: AlertOptions;
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;
  /** Retries waiting for their turn, woken (to give up) when the panel stops. */
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      secretKey: SecretKey;
      /** For the console lines of a crash alert. */
      supervisor: Pick<SupervisorControl, 'recentConsole'>;
      log: { warn(message: string): void };
    },
    options: Partial<AlertOptions> & Pick<AlertOptions, 'allowPrivate'>,
  ) {
    this.options = { ...defaultAlertOptions, ...options };
  }

  /** A server crashed, hung or failed (the supervisor's incident): never waits. */
  incident = (incident: Incident): void => {
    this.track(this.fromIncident(incident));
  };

  /** A schedule's run failed: never waits. */
  scheduleFailed = (failure: FailedRun): void => {
    this.track(this.fromFailedRun(failure));
  };

  /** Resolves when every queued alert is delivered or given up (tests; stopping a panel). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** No new alerts; those under way are given up at their next retry. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.waiting]) wake();
    await this.settled();
  }

  private track(work: Promise<void>): void {
    if (this.stopped) return;
    const tracked = work
      .catch((error: unknown) => this.deps.log.warn(`alerts: ${error}`))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async server(id: number) {
    return this.deps.db
      .selectFrom('servers')
      .select(['id', 'name', 'port', 'user_id', 'rcon_password'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  private async fromIncident(incident: Incident): Promise<void> {
    const server = await this.server(incident.serverId);
    if (!server) return;
    const lines =
      (await this.deps.supervisor.recentConsole?.(server.id, CONSOLE_LINES).catch(() => [])) ?? [];
    const alert: Alert = {
      event: incident.kind,
      server: { id: server.id, name: server.name, port: server.port },
      at: new Date(incident.at).toISOString(),
      title: `${server.name} ${incidentTitles[incident.kind]}`,
      detail: { last_error: incident.lastError, console: safeConsoleLines(lines, server.rcon_password) },
    };
    await this.send(alert, { ownerId: server.user_id });
  }

  private async fromFailedRun({ schedule, run }: FailedRun): Promise<void> {
    const failedServer = run.detail.find((entry) => entry.outcome === 'failed');
    const server = failedServer ? await this.server(failedServer.server_id) : undefined;
    const alert: Alert = {
      event: 'schedule_failed',
      server: server ? { id: server.id, name: server.name, port: server.port } : null,
      at: run.finished_at ?? new Date().toISOString(),
      title: `Schedule ${schedule.name} failed`,
      detail: {
        schedule: { id: schedule.id, name: schedule.name },
        scheduled_for: run.scheduled_for,
        servers: run.detail.map(({ server_id, outcome, why }) => ({ server_id, outcome, why })),
      },
    };
    await this.send(alert, { ownerId: schedule.user_id });
  }

  /** Install events (update_*) go to every admin's webhooks that asked for them. */
  installEvent(
    event: 'update_available' | 'update_done' | 'update_failed',
    title: string,
    detail: Record<string, unknown>,
  ) {
    this.track(
      this.send({ event, server: null, at: new Date().toISOString(), title, detail }, { admins: true }),
    );
  }

  private async send(alert: Alert, to: { ownerId?: number; admins?: boolean }): Promise<void> {
    if (alert.event === 'test') return;
    const targets = await targetsFor(this.deps.db, this.deps.secretKey, alert.event, to);
    await Promise.all(targets.map((target) => this.deliverWithRetries(target, alert)));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.waiting.add(wake);
    });
  }

  private async deliverWithRetries(target: Target, alert: Alert): Promise<void> {
    const delays = [0, ...this.options.retryDelaysMs];
    for (const [attempt, delay] of delays.entries()) {
      if (delay > 0) await this.pause(delay);
      if (this.stopped && attempt > 0) return;
      try {
        const status = await deliverOnce(target, alert, this.options);
        const ok = status >= 200 && status < 300;
        await recordDelivery(this.deps.db, target.id, { status, error: ok ? '' : `HTTP ${status}` });
        // A 4xx other than 429 will not change on a retry.
        if (ok || (status >= 400 && status < 500 && status !== 429)) return;
      } catch (error) {
        await recordDelivery(this.deps.db, target.id, { status: null, error: (error as Error).message });
      }
    }
  }
}
