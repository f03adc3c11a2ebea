import type { AppError } from '../../http/errors.js';
import { stockCampaigns } from '../../views/campaigns.js';
import { ErrorMessage, FieldFrame } from '../../views/layout.js';
import type { Server } from '../servers.js';
import type { ServerPageFocus } from './page-focus.js';

/** The picker's campaigns and the maps in them: constants, so worked out once. */
const campaigns = stockCampaigns();
const stock = new Set(campaigns.flatMap((campaign) => campaign.maps));

/** The change-map form: a stock campaign map, a map of the blueprint's addons, or any other map by name. */
export function MapSection({
  server,
  addonMaps = [],
  focus,
  error,
}: {
  server: Server;
  /** The maps inside the blueprint's VPKs. */
  addonMaps?: string[];
  focus: ServerPageFocus;
  error?: AppError | undefined;
}) {
  const wanted = focus.map ?? server.live?.map ?? '';
  const custom = stock.has(wanted) || addonMaps.includes(wanted) ? '' : wanted;
  const fieldError = error?.fields?.map ?? error?.fields?.custom_map;
  return (
    <section class="card" id="map" aria-labelledby="map-heading">
      <h2 id="map-heading">Change map</h2>
      <form method="post" action={`/servers/${server.id}/changelevel`}>
        <ErrorMessage message={error?.message} />
        <FieldFrame label="Campaign map" name="map">
          <select id="field-map" name="map">
            {campaigns.map((campaign) => (
              <optgroup key={campaign.name} label={campaign.name}>
                {campaign.maps.map((map) => (
                  <option key={map} value={map} selected={map === wanted}>
                    {map}
                  </option>
                ))}
              </optgroup>
            ))}
            {addonMaps.length > 0 && (
              <optgroup label="Addons">
                {addonMaps.map((map) => (
                  <option key={map} value={map} selected={map === wanted}>
                    {map}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </FieldFrame>
        <p class="field">
          <label for="field-custom_map">Or another map</label>
          <input
            type="text"
            id="field-custom_map"
            name="custom_map"
            value={custom}
            placeholder="e.g. a workshop or custom map"
            spellcheck={false}
            aria-invalid={fieldError ? 'true' : undefined}
            aria-describedby={fieldError ? 'field-custom_map-error' : 'field-custom_map-hint'}
          />
          <small id="field-custom_map-hint">Used instead of the list when filled in.</small>
          {fieldError && (
            <span class="field-error" id="field-custom_map-error">
              {fieldError}
            </span>
          )}
        </p>
        <button type="submit">Change map</button>
      </form>
    </section>
  );
}
