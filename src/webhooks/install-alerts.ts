import type { Install, InstallEvent, Job } from '../install/control.js';
import type { Alerts } from './alerts.js';

/** What the alerts need of the Installer (src/install/installer.ts). */
export interface InstallEvents {
  subscribe(listener: (event: InstallEvent) => void): () => void;
  onChecked(listener: (install: Install) => void): () => void;
}

const what = (job: Job) => (job.kind === 'install' ? 'install' : 'update');

/**
 * The install's alerts, for admins' webhooks: `update_available` once per new build Steam reports,
 * `update_done` / `update_failed` when a job this panel watched start ends (a job's end is announced
 * with the Install JSON; older jobs in it are not news). Returns the function that stops listening.
 */
export function alertOnInstall(installer: InstallEvents, alerts: Pick<Alerts, 'installEvent'>): () => void {
  let announcedBuild: string | null = null;
  const running = new Set<number>();
  const offChecked = installer.onChecked((install) => {
    if (install.update_available !== true || install.remote_buildid === announcedBuild) return;
    announcedBuild = install.remote_buildid;
    alerts.installEvent('update_available', `Build ${install.remote_buildid} of the game is available`, {
      buildid: install.buildid,
      remote_buildid: install.remote_buildid,
    });
  });
  const offEvents = installer.subscribe((event) => {
    const job = event.type === 'install' ? event.job : null;
    if (!job) return;
    if (job.state === 'running') {
      running.add(job.id);
      return;
    }
    if (!running.delete(job.id)) return;
    if (job.state === 'succeeded') {
      alerts.installEvent('update_done', `The game ${what(job)} is done`, {
        job_id: job.id,
        buildid: event.type === 'install' ? event.buildid : null,
      });
    } else {
      alerts.installEvent('update_failed', `The game ${what(job)} ${job.state}`, {
        job_id: job.id,
        error: job.error || job.state,
      });
    }
  });
  return () => {
    offChecked();
    offEvents();
  };
}
