// The optional instruction a role command asks for: what the quick input lists, what its
// answer means, and the history it remembers across uses.

export const HISTORY_LIMIT = 20;

/** One entry of the instruction input. `task` undefined: run without an instruction. */
export interface InstructionItem {
  label: string;
  description?: string;
  task: string | undefined;
}

export const NO_INSTRUCTION_LABEL = 'No instruction';

/**
 * What the input lists for what has been typed so far: with nothing typed, running without
 * an instruction comes first (so Enter on an empty input skips), then the history; with
 * text typed, that text first, then the history entries that contain it.
 */
export function instructionItems(value: string, history: readonly string[]): InstructionItem[] {
  const typed = value.trim();
  if (!typed) {
    return [
      { label: NO_INSTRUCTION_LABEL, description: 'run with the selection alone', task: undefined },
      ...history.map((entry) => ({ label: entry, description: 'recent', task: entry })),
    ];
  }
  const needle = typed.toLowerCase();
  const matching = history.filter((entry) => entry !== typed && entry.toLowerCase().includes(needle));
  return [
    { label: typed, task: typed },
    ...matching.map((entry) => ({ label: entry, description: 'recent', task: entry })),
  ];
}

/** The history after using `task`: most recent first, no duplicates, at most `limit`. */
export function remember(history: readonly string[], task: string, limit = HISTORY_LIMIT): string[] {
  const entry = task.trim();
  if (!entry) {
    return [...history];
  }
  return [entry, ...history.filter((old) => old !== entry)].slice(0, limit);
}

/** History read back from storage, whatever was stored there. */
export function readHistory(stored: unknown): string[] {
  return Array.isArray(stored) ? stored.filter((e): e is string => typeof e === 'string' && e.trim() !== '') : [];
}
