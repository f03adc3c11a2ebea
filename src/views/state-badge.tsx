/** The coloured state; `data-field` lets the page script swap it when the state changes. */
export function StateBadge({ state }: { state: string }) {
  return (
    <span class={`badge state-${state}`} data-field="state">
      {state}
    </span>
  );
}
