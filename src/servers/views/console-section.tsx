import type { AppError } from '../../http/errors.js';
import { ErrorMessage, errorAria, FieldFrame } from '../../views/layout.js';
import type { Server } from '../servers.js';
import type { ServerPageFocus } from './page-focus.js';

/** The console's output and an RCON command form, with the reply in place. */
export function ConsoleSection(props: {
  server: Server;
  lines: string[];
  focus: ServerPageFocus;
  error?: AppError | undefined;
}) {
  const { server, focus, error } = props;
  const commandError = error?.fields?.command;
  return (
    <section class="card" id="console" aria-labelledby="console-heading">
      <h2 id="console-heading">Console</h2>
      <pre class="console" data-console tabindex={0} aria-label="Console output" role="log" aria-live="off">
        {props.lines.length ? `${props.lines.join('\n')}\n` : ''}
      </pre>
      <form method="post" action={`/servers/${server.id}/rcon`} class="console-form" data-rcon>
        <ErrorMessage message={error && !commandError ? error.message : undefined} />
        <FieldFrame label="Command (runs through RCON)" name="command" error={commandError}>
          <span class="input-row">
            <input
              type="text"
              id="field-command"
              name="command"
              value={focus.command ?? ''}
              required
              autocomplete="off"
              spellcheck={false}
              placeholder="status"
              {...errorAria('field-command', commandError)}
            />
            <button type="submit">Run</button>
          </span>
        </FieldFrame>
        <div class="rcon-reply" data-rcon-reply aria-live="polite" hidden={focus.output === undefined}>
          <h3>Reply</h3>
          <pre>{focus.output === '' ? '(no reply)' : focus.output}</pre>
        </div>
      </form>
    </section>
  );
}
