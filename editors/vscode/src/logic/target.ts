// The `Target` a role command works on, as the server's `multi-model.*` commands take it.

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Target {
  uri: string;
  range: Range;
  version: number;
  task?: string;
}

export type RoleAction = 'plan' | 'implement' | 'review' | 'examples';

export const ROLE_ACTIONS: readonly RoleAction[] = ['plan', 'implement', 'review', 'examples'];

/** The roles whose result depends on what the user wants, so they ask for it first. */
export const ASKS_FOR_INSTRUCTION: readonly RoleAction[] = ['plan', 'implement', 'review'];

export const SERVER_COMMANDS: Readonly<Record<RoleAction, string>> = {
  plan: 'multi-model.plan',
  implement: 'multi-model.implement',
  review: 'multi-model.review',
  examples: 'multi-model.examples',
};

/** What the active editor shows: positions in UTF-16 code units, as VS Code counts them. */
export interface EditorState {
  uri: string;
  version: number;
  selection: Range;
  /** The text of the line the cursor (the selection's end) is on. */
  cursorLine: string;
}

function isEmpty(range: Range): boolean {
  return range.start.line === range.end.line && range.start.character === range.end.character;
}

/**
 * The selection when there is one. Without one, Hephaestus writes at the cursor (taking a
 * blank line's whitespace, so the code starts at its indentation) and the other roles
 * read the cursor's line.
 */
export function targetRange(action: RoleAction, state: EditorState): Range {
  if (!isEmpty(state.selection)) {
    return state.selection;
  }
  const cursor = state.selection.end;
  if (action === 'implement' && /\S/.test(state.cursorLine)) {
    return { start: cursor, end: cursor };
  }
  return {
    start: { line: cursor.line, character: 0 },
    end: { line: cursor.line, character: state.cursorLine.length },
  };
}

export function buildTarget(action: RoleAction, state: EditorState, task?: string): Target {
  const target: Target = { uri: state.uri, range: targetRange(action, state), version: state.version };
  const asked = task?.trim();
  if (asked) {
    target.task = asked;
  }
  return target;
}
