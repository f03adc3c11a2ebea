/** The server form (create and settings) and the values it shows. */
import type { Blueprint } from '../../blueprints/blueprints.js';
import type { AppError } from '../../http/errors.js';
import { errorAria, Field, FieldFrame, FormCard } from '../../views/layout.js';
import { submittedValues } from '../../views/submitted.js';
import type { Server } from '../servers.js';

export interface ServerFormValues {
  name: string;
  port: string;
  blueprint_id: string;
  node: string;
}

export const emptyServerForm: ServerFormValues = { name: '', port: '', blueprint_id: '', node: '' };

export function serverFormValues(server: Server): ServerFormValues {
  return {
    name: server.name,
    port: String(server.port),
    blueprint_id: String(server.blueprint_id),
    node: server.node,
  };
}

/** The user's input as they sent it, whatever its types, for re-rendering a form. */
export function submittedServerValues(body: unknown, fallback: ServerFormValues): ServerFormValues {
  return submittedValues(body, fallback, (value) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined,
  );
}

export function ServerForm(props: {
  action: string;
  values: ServerFormValues;
  blueprints: Blueprint[];
  error?: AppError | undefined;
  submit: string;
  /** Show the swarm node field (RUNTIME=swarm, or a node already set). */
  placement?: boolean;
}) {
  const fields = props.error?.fields;
  return (
    <FormCard action={props.action} error={props.error?.message} submit={props.submit}>
      <Field label="Name" name="name" value={props.values.name} error={fields?.name} required />
      <Field
        label="Port"
        name="port"
        value={props.values.port}
        error={fields?.port}
        required
        hint="Game port, 1034-65535. The client port (port - 10) is reserved with it."
      />
      <FieldFrame label="Blueprint" name="blueprint_id" error={fields?.blueprint_id}>
        <select
          id="field-blueprint_id"
          name="blueprint_id"
          required
          {...errorAria('field-blueprint_id', fields?.blueprint_id)}
        >
          {props.blueprints.map((blueprint) => (
            <option
              key={blueprint.id}
              value={String(blueprint.id)}
              selected={String(blueprint.id) === props.values.blueprint_id}
            >
              {blueprint.name}
            </option>
          ))}
        </select>
      </FieldFrame>
      {(props.placement || props.values.node !== '' || fields?.node) && (
        <Field
          label="Node"
          name="node"
          value={props.values.node}
          error={fields?.node}
          hint="The swarm nodes labelled l4d2web.node=<this> run it; empty for any node. Applies at the next start."
        />
      )}
    </FormCard>
  );
}
