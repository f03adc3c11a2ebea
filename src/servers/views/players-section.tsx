import type { AppError } from '../../http/errors.js';
import type { Player } from '../../supervisor/control.js';
import { ButtonForm, ErrorMessage } from '../../views/layout.js';
import type { Server } from '../servers.js';

/** Seconds as srcds shows them: "4:05" or "1:02:03". */
export function formatConnected(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Who is playing, with a kick button each (for those who may use the console). */
export function PlayersSection({
  server,
  players,
  error,
}: {
  server: Server;
  players: Player[] | null;
  error?: AppError | undefined;
}) {
  return (
    <section class="card" id="players" aria-labelledby="players-heading">
      <h2 id="players-heading">Players</h2>
      <ErrorMessage message={error?.message} />
      {server.actual_state !== 'running' ? (
        <p class="empty">The server is not running.</p>
      ) : players === null ? (
        <p class="empty">The server did not say who is playing.</p>
      ) : players.length === 0 ? (
        <p class="empty">Nobody is playing.</p>
      ) : (
        <table class="players">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Score</th>
              <th scope="col">Connected</th>
              <th scope="col">
                <span class="visually-hidden">Kick</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {players.map((player, index) => (
              <tr key={`${player.name}-${index}`}>
                <td>{player.name || <span class="muted">(connecting)</span>}</td>
                <td>{player.score}</td>
                <td>{formatConnected(player.seconds)}</td>
                <td>
                  {player.name && server.permissions.includes('console') && (
                    <ButtonForm
                      action={`/servers/${server.id}/kick`}
                      fields={{ name: player.name }}
                      label="Kick"
                      ariaLabel={`Kick ${player.name}`}
                      class="secondary small"
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
