import type { AppError } from '../http/errors.js';
import { ErrorMessage, Field, Layout, type PageContext } from '../views/layout.js';
import type { Addon } from './library.js';
import type { SourcemodStatus } from './sourcemod-card.js';

const KIND_LABEL: Record<Addon['kind'], string> = {
  workshop: 'Workshop',
  vpk: 'VPK',
  sourcemod: 'SourceMod',
  metamod: 'Metamod:Source',
  plugin: 'Plugin',
};

/** "12.3 MB" */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Where an addon stands: ready, queued, downloading with its percentage, or failed with the reason. */
export function AddonState({ addon }: { addon: Addon }) {
  return (
    <span data-field="state">
      <span
        class={`badge state-${addon.state === 'ready' ? 'running' : addon.state === 'failed' ? 'failed' : 'starting'}`}
      >
        {addon.state}
      </span>
      {addon.state === 'downloading' && (
        <>
          {' '}
          <progress max={100} value={addon.percent}>
            {addon.percent}%
          </progress>{' '}
          <span data-field="percent">{addon.percent}%</span>
        </>
      )}
      {addon.error && <span class="field-error"> {addon.error}</span>}
    </span>
  );
}

function AddonRow({ addon }: { addon: Addon }) {
  return (
    <tr id={`addon-${addon.id}`} data-addon-id={addon.id}>
      <td>
        {addon.workshop_id ? (
          <a
            href={`https://steamcommunity.com/sharedfiles/filedetails/?id=${addon.workshop_id}`}
            rel="noreferrer"
          >
            {addon.title || addon.filename}
          </a>
        ) : (
          addon.title || addon.filename
        )}
        <br />
        <small class="muted">
          #{addon.id} · {addon.filename}
        </small>
      </td>
      <td>{KIND_LABEL[addon.kind]}</td>
      <td>{addon.size > 0 ? formatSize(addon.size) : ''}</td>
      <td>
        <AddonState addon={addon} />
      </td>
      <td>{addon.maps.length > 0 ? addon.maps.join(', ') : <span class="muted">none</span>}</td>
      <td>
        <form method="post" action={`/addons/${addon.id}/delete`} class="inline">
          <button type="submit" class="link danger">
            Delete
          </button>
        </form>
      </td>
    </tr>
  );
}

/** GET /addons: the library, the Workshop form and the upload form. */
export function AddonsPage(props: {
  ctx: PageContext;
  addons: Addon[];
  maxUploadMb: number;
  workshop: string;
  error?: AppError | undefined;
}) {
  const isAdmin = props.ctx.user?.role === 'admin';
  return (
    <Layout ctx={props.ctx} title="Addons">
      <h1>Addons</h1>
      <p>
        Workshop items, uploaded VPKs, and SourceMod with its plugins. Each server gets the addons its
        blueprint names, linked into its own folder; each file is stored once however many servers use it.
      </p>
      <ErrorMessage message={props.error?.message} />
      <div data-addon-events="/addons/events" data-addon-library>
        {props.addons.length === 0 ? (
          <p class="empty">No addons yet.</p>
        ) : (
          <table class="list addons">
            <thead>
              <tr>
                <th>Addon</th>
                <th>Kind</th>
                <th>Size</th>
                <th>State</th>
                <th>Maps</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {props.addons.map((addon) => (
                <AddonRow key={addon.id} addon={addon} />
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div class="columns">
        <form method="post" action="/addons" class="card">
          <h2>Add from the Workshop</h2>
          <Field
            label="Item or collection"
            name="workshop"
            value={props.workshop}
            error={props.error?.fields?.workshop}
            hint="Its id or its steamcommunity.com link; a collection adds each of its items."
            required
          />
          <button type="submit">Add</button>
        </form>
        <form method="post" action="/addons/upload" enctype="multipart/form-data" class="card">
          <h2>Upload</h2>
          <p class="field">
            <label for="field-file">File</label>
            <input type="file" id="field-file" name="file" required />
            <small>
              A .vpk{isAdmin ? ', a SourceMod or Metamod:Source Linux .tar.gz, or a .smx plugin' : ''}; at
              most {props.maxUploadMb} MB.
              {isAdmin
                ? ''
                : ' SourceMod, Metamod:Source and plugins run code on the host: an admin uploads them.'}
            </small>
          </p>
          <button type="submit">Upload</button>
        </form>
      </div>
      {isAdmin && (
        <form method="post" action="/addons/refresh" class="inline">
          <button type="submit" class="link">
            Check the Workshop for updates now
          </button>
        </form>
      )}
    </Layout>
  );
}

/** The blueprint form's addon fields as text, as a form sends them back after a failed submit. */
export interface BlueprintAddonValues {
  /** Ids, separated by white space. */
  addons: string;
  /** 'true' when ticked (the last of the values sent). */
  sourcemod_enabled: string;
  /** One `SteamID flags name` per line. */
  sourcemod_admins: string;
  sourcemod_plugins: string;
}

export const noBlueprintAddonValues: BlueprintAddonValues = {
  addons: '',
  sourcemod_enabled: 'false',
  sourcemod_admins: '',
  sourcemod_plugins: '',
};

const idsIn = (text: string) =>
  new Set(
    text
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number),
  );

function AddonCheckboxes(props: { name: string; addons: Addon[]; checked: Set<number> }) {
  return (
    <>
      {/* Sent even when nothing is ticked, so that "none" arrives. */}
      <input type="hidden" name={props.name} value="" />
      {props.addons.map((addon) => {
        const id = `field-${props.name}-${addon.id}`;
        return (
          <span class="check" key={addon.id}>
            <input
              type="checkbox"
              id={id}
              name={props.name}
              value={String(addon.id)}
              checked={props.checked.has(addon.id)}
            />
            <label for={id}>
              {addon.title || addon.filename}{' '}
              <small class="muted">
                ({KIND_LABEL[addon.kind]}, {addon.state})
              </small>
            </label>
          </span>
        );
      })}
    </>
  );
}

/** The addons and SourceMod part of the blueprint form. */
export function BlueprintAddonFields(props: {
  library: Addon[];
  values: BlueprintAddonValues;
  errors?: Record<string, string> | undefined;
}) {
  const { library, values, errors } = props;
  const usable = library.filter((addon) => addon.kind !== 'plugin');
  const plugins = library.filter((addon) => addon.kind === 'plugin');
  const enabled = values.sourcemod_enabled.split(/\s+/).filter(Boolean).at(-1) === 'true';
  return (
    <>
      <fieldset class="field" aria-describedby={errors?.addons ? 'field-addons-error' : undefined}>
        <legend>Addons</legend>
        {usable.length === 0 ? (
          <small>
            None in your library yet: add Workshop items or upload VPKs on the <a href="/addons">Addons</a>{' '}
            page.
          </small>
        ) : (
          <AddonCheckboxes name="addons" addons={usable} checked={idsIn(values.addons)} />
        )}
        {errors?.addons && (
          <span class="field-error" id="field-addons-error">
            {errors.addons}
          </span>
        )}
      </fieldset>
      <fieldset class="field" aria-describedby={errors?.sourcemod ? 'field-sourcemod-error' : undefined}>
        <legend>SourceMod</legend>
        <input type="hidden" name="sourcemod_enabled" value="false" />
        <span class="check">
          <input
            type="checkbox"
            id="field-sourcemod_enabled"
            name="sourcemod_enabled"
            value="true"
            checked={enabled}
          />
          <label for="field-sourcemod_enabled">
            Run Metamod:Source and SourceMod (the ones ticked above, else the newest in the library)
          </label>
        </span>
        <label for="field-sourcemod_admins">Admins</label>
        <textarea id="field-sourcemod_admins" name="sourcemod_admins" rows={4} spellcheck={false}>
          {values.sourcemod_admins}
        </textarea>
        <small>
          One per line: a SteamID (STEAM_0:1:123, [U:1:246] or a SteamID64), SourceMod flags (abc, z, or 99:z
          with an immunity level), and a name, e.g. STEAM_0:1:123 99:z Alice.
        </small>
        {plugins.length > 0 && (
          <>
            <span>Plugins</span>
            <AddonCheckboxes
              name="sourcemod_plugins"
              addons={plugins}
              checked={idsIn(values.sourcemod_plugins)}
            />
          </>
        )}
        {errors?.sourcemod && (
          <span class="field-error" id="field-sourcemod-error">
            {errors.sourcemod}
          </span>
        )}
      </fieldset>
    </>
  );
}

/** The server page's SourceMod card: `meta version`, `sm version` and `sm plugins list` as the server answered. */
export function SourcemodCard({ status, running }: { status: SourcemodStatus | null; running: boolean }) {
  return (
    <section class="card" id="sourcemod" aria-labelledby="sourcemod-heading">
      <h2 id="sourcemod-heading">SourceMod</h2>
      {!running || status === null ? (
        <p class="muted">Shown while the server runs.</p>
      ) : status.error ? (
        <p class="error">Could not ask the server: {status.error}</p>
      ) : (
        <>
          <h3>meta version</h3>
          <pre data-field="meta_version">{status.metaVersion}</pre>
          <h3>sm version</h3>
          <pre data-field="sm_version">{status.smVersion}</pre>
          <h3>sm plugins list</h3>
          <pre data-field="sm_plugins">{status.plugins}</pre>
        </>
      )}
    </section>
  );
}
