import { ErrorMessage, Layout, type PageContext } from '../views/layout.js';
import { bootstrapArgs, commandText } from './command-lines.js';
import type { Install, Job } from './control.js';
import { formatSize } from './disk.js';

/** `42.1 % · download · 1.2 GB of 2.5 GB`: a job's progress in words (the page script writes the same). */
export function progressText(job: Pick<Job, 'percent' | 'phase' | 'bytes_done' | 'bytes_total'>): string {
  const bytes =
    job.bytes_total > 0 ? ` · ${formatSize(job.bytes_done)} of ${formatSize(job.bytes_total)}` : '';
  return `${job.percent.toFixed(1)} % · ${job.phase}${bytes}`;
}

function updateText(install: Install): string {
  if (install.update_available === null) return 'unknown';
  return install.update_available ? `yes, build ${install.remote_buildid}` : 'no, up to date';
}

/** Which buttons show: `idle` ones when no job runs, `running` ones while one does (the script swaps them). */
function JobButtons({ install }: { install: Install }) {
  const running = install.job?.state === 'running';
  const present = install.state === 'installed' || install.state === 'updating' || install.buildid !== null;
  return (
    <div class="actions">
      <form method="post" action="/install" class="inline" data-install-when="idle" hidden={running}>
        <button type="submit" data-field="install-action">
          {present ? 'Update and validate' : 'Install the game'}
        </button>
      </form>
      <form method="post" action="/install/check" class="inline" data-install-when="idle" hidden={running}>
        <button type="submit" class="secondary">
          Check for updates
        </button>
      </form>
      <form
        method="post"
        action="/install/cancel"
        class="inline"
        data-install-when="running"
        hidden={!running}
      >
        <button type="submit" class="secondary">
          Cancel
        </button>
      </form>
    </div>
  );
}

/** The latest job: its progress bar, phase, bytes, attempts and error. */
function JobSection({ job }: { job: Job | null }) {
  return (
    <section class="card" aria-labelledby="job-heading" data-job hidden={job === null}>
      <h2 id="job-heading">
        Job <span data-field="job-title">{job ? `#${job.id}: ${job.kind}` : ''}</span>{' '}
        <span class={`badge state-${job?.state ?? ''}`} data-field="job-state">
          {job?.state ?? ''}
        </span>
      </h2>
      <progress
        class="install-progress"
        max={100}
        value={job?.percent ?? 0}
        data-field="job-progress"
        aria-label="Progress"
      />
      <p data-field="job-progress-text">{job ? progressText(job) : ''}</p>
      <dl class="facts compact">
        <div>
          <dt>Attempts</dt>
          <dd data-field="job-attempts">{job?.attempts ?? 0}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd data-field="job-started">{job?.started_at ?? ''}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd data-field="job-finished">{job?.finished_at ?? '-'}</dd>
        </div>
      </dl>
      <p class="error-text" data-field="job-error" hidden={!job?.error}>
        {job?.error ?? ''}
      </p>
    </section>
  );
}

/**
 * The Install page (admins only): the install's state and builds, the latest job with its progress
 * bar and log, and the buttons. Plain forms and a <progress> work without JavaScript (reload to
 * see progress); /static/js/install.js follows /install/events and updates it all in place.
 */
export function InstallPage(props: { ctx: PageContext; install: Install; log: string[]; error?: string }) {
  const { install } = props;
  return (
    <Layout ctx={props.ctx} title="Install" script="/static/js/install.js">
      <div class="page-head">
        <h1>Game install</h1>
        <span class="live-status muted" data-live-status />
      </div>
      <ErrorMessage message={props.error} />
      <div data-install-events="/install/events">
        <section class="card" aria-labelledby="install-heading">
          <h2 id="install-heading">
            Left 4 Dead 2 Dedicated Server{' '}
            <span class={`badge state-${install.state}`} data-field="install-state">
              {install.state}
            </span>
          </h2>
          <dl class="facts">
            <div>
              <dt>Folder (SRCDS_DIR)</dt>
              <dd>
                <code>{install.path}</code>
              </dd>
            </div>
            <div>
              <dt>Installed build</dt>
              <dd data-field="buildid">{install.buildid ?? 'unknown'}</dd>
            </div>
            <div>
              <dt>Steam's build</dt>
              <dd data-field="remote_buildid">{install.remote_buildid ?? 'unknown'}</dd>
            </div>
            <div>
              <dt>Update available</dt>
              <dd data-field="update_available">{updateText(install)}</dd>
            </div>
            <div>
              <dt>Last checked</dt>
              <dd data-field="checked_at">{install.checked_at ?? 'never'}</dd>
            </div>
          </dl>
          <JobButtons install={install} />
          <p class="muted">
            Running servers are warned in the game, stopped, and started again after the job. The same job
            runs from a terminal with <code>l4d2web install</code>.
          </p>
        </section>
        <JobSection job={install.job} />
        <section class="card" aria-labelledby="log-heading">
          <h2 id="log-heading">SteamCMD's output</h2>
          <pre class="install-log" data-install-log>
            {props.log.join('\n')}
          </pre>
        </section>
      </div>
      <details>
        <summary>Installing by hand</summary>
        <p>The panel runs SteamCMD like this (since late 2024 Linux needs the Windows platform first):</p>
        <pre>{commandText('steamcmd', bootstrapArgs(install.path))}</pre>
      </details>
    </Layout>
  );
}

/** The dashboard's notice to admins when the game is missing, its last job failed, or an update is out. */
export function InstallBanner({ install }: { install: Install }) {
  let text: string | null = null;
  if (install.state === 'missing') text = 'The game is not installed yet.';
  else if (install.state === 'failed') text = `The last install job failed: ${install.job?.error ?? ''}`;
  else if (install.state === 'installing' || install.state === 'updating')
    text = `The game is ${install.state}.`;
  else if (install.update_available === true)
    text = `A game update is available (build ${install.remote_buildid}).`;
  if (text === null) return null;
  return (
    <p class="notice" role="status" data-install-banner>
      {text} <a href="/install">Open the Install page</a>
    </p>
  );
}
