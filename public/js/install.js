// @ts-check
/**
 * The Install page, live: follows the stream its `data-install-events` names (/install/events) and
 * moves the progress bar, appends SteamCMD's lines to the log, and swaps the state, the builds and the
 * buttons (`data-install-when="idle|running"`). Without it the page works as plain forms.
 * Type-checked by `npm run typecheck:browser`.
 */

import { openStream } from './live.js';

/** @typedef {import('../../src/install/control.js').InstallEvent} InstallEvent */
/** @typedef {import('../../src/install/control.js').Install} Install */
/** @typedef {import('../../src/install/control.js').Job} Job */

/** Log lines kept in the page; older ones are dropped. */
const LOG_LIMIT = 2000;

/**
 * @param {string} field
 * @param {string} text
 */
function setText(field, text) {
  for (const element of document.querySelectorAll(`[data-field="${field}"]`)) {
    if (element.textContent !== text) element.textContent = text;
  }
}

/** As the server writes sizes (src/install/disk.ts, formatSize). @param {number} bytes */
function formatSize(bytes) {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

/** @param {Pick<Job, 'percent' | 'phase' | 'bytes_done' | 'bytes_total'>} progress */
function showProgress(progress) {
  for (const bar of document.querySelectorAll('[data-field="job-progress"]')) {
    if (bar instanceof HTMLProgressElement) bar.value = progress.percent;
  }
  const bytes =
    progress.bytes_total > 0
      ? ` · ${formatSize(progress.bytes_done)} of ${formatSize(progress.bytes_total)}`
      : '';
  setText('job-progress-text', `${progress.percent.toFixed(1)} % · ${progress.phase}${bytes}`);
}

/** @param {Install} install */
function showInstall(install) {
  for (const badge of document.querySelectorAll('[data-field="install-state"]')) {
    badge.className = `badge state-${install.state}`;
    badge.textContent = install.state;
  }
  setText('buildid', install.buildid ?? 'unknown');
  setText('remote_buildid', install.remote_buildid ?? 'unknown');
  setText(
    'update_available',
    install.update_available === null
      ? 'unknown'
      : install.update_available
        ? `yes, build ${install.remote_buildid}`
        : 'no, up to date',
  );
  setText('checked_at', install.checked_at ?? 'never');
  const present = install.state === 'installed' || install.state === 'updating' || install.buildid !== null;
  setText('install-action', present ? 'Update and validate' : 'Install the game');
  const job = install.job;
  const running = job?.state === 'running';
  for (const form of document.querySelectorAll('form[data-install-when]')) {
    if (form instanceof HTMLFormElement) form.hidden = (form.dataset.installWhen === 'running') !== running;
  }
  const section = document.querySelector('[data-job]');
  if (section instanceof HTMLElement) section.hidden = job === null;
  if (!job) return;
  setText('job-title', `#${job.id}: ${job.kind}`);
  for (const badge of document.querySelectorAll('[data-field="job-state"]')) {
    badge.className = `badge state-${job.state}`;
    badge.textContent = job.state;
  }
  setText('job-attempts', String(job.attempts));
  setText('job-started', job.started_at);
  setText('job-finished', job.finished_at ?? '-');
  for (const element of document.querySelectorAll('[data-field="job-error"]')) {
    if (!(element instanceof HTMLElement)) continue;
    element.textContent = job.error;
    element.hidden = job.error === '';
  }
  showProgress(job);
}

/** @param {HTMLElement} root */
function follow(root) {
  const url = root.dataset.installEvents;
  if (!url) return;
  const log = root.querySelector('[data-install-log]');
  const status = document.querySelector('[data-live-status]');
  /** The stream replays the job's recent lines on every (re)connection: they replace what is shown. */
  let replay = true;
  /** @type {number | undefined} */
  let jobId;

  /** @param {string} line */
  const append = (line) => {
    if (!(log instanceof HTMLElement)) return;
    if (replay) {
      log.textContent = '';
      replay = false;
    }
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(`${log.textContent ? '\n' : ''}${line}`);
    while (log.childNodes.length > LOG_LIMIT) log.firstChild?.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
  };

  /** @param {InstallEvent} event */
  const handle = (event) => {
    if (event.type === 'install') {
      // A new job starts a new log.
      if (event.job && event.job.id !== jobId && jobId !== undefined) replay = true;
      jobId = event.job?.id;
      showInstall(event);
    } else if (event.type === 'progress') {
      if (event.job_id === jobId) showProgress(event);
    } else if (event.type === 'log') {
      if (jobId === undefined || event.job_id === jobId) append(event.line);
    }
  };

  /** @type {(event: InstallEvent) => void} */
  const handler = handle;
  openStream(url, ['install', 'progress', 'log'], handler, {
    opened: () => {
      replay = true;
    },
    status: (text) => {
      if (!(status instanceof HTMLElement)) return;
      status.textContent = text;
      status.dataset.state = text === 'live' ? 'live' : 'down';
    },
  });
}

for (const root of document.querySelectorAll('[data-install-events]')) {
  if (root instanceof HTMLElement) follow(root);
}
