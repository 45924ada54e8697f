/**
 * Lists every state of an ASL definition, nested ones included (Map `ItemProcessor` or
 * `Iterator`, Parallel `Branches`). The interpreter looks overrides up by state name alone,
 * at any depth, so the local runner needs them all.
 */

/** One state found in a definition. */
export interface FoundState {
  /** The state's name (its key in `States`). */
  readonly name: string;
  /** The state's ASL object. */
  readonly state: Readonly<Record<string, unknown>>;
}

/** Every state of `definition`, depth first, nested states after their parent. */
export function walkStates(definition: Readonly<Record<string, unknown>>): FoundState[] {
  const found: FoundState[] = [];
  const visit = (machine: unknown): void => {
    if (!isRecord(machine) || !isRecord(machine.States)) return;
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isRecord(state)) continue;
      found.push({ name, state });
      visit(state.ItemProcessor ?? state.Iterator);
      if (Array.isArray(state.Branches)) for (const branch of state.Branches) visit(branch);
    }
  };
  visit(definition);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
