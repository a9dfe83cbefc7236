// The `multi-model.pipeline` argument from what the user picked and typed.

export type PipelineKind = 'feature' | 'bugfix' | 'review';

export interface PipelineChoice {
  kind: PipelineKind;
  label: string;
  detail: string;
  prompt: string;
  /** The server refuses feature and bugfix pipelines with nothing to go on. */
  required: boolean;
}

export const PIPELINES: readonly PipelineChoice[] = [
  {
    kind: 'feature',
    label: 'Feature',
    detail: 'Sisyphus plans → Hephaestus implements → Oracle reviews → Librarian documents',
    prompt: 'Describe the feature',
    required: true,
  },
  {
    kind: 'bugfix',
    label: 'Bugfix',
    detail: 'Sisyphus analyses → Oracle verifies → Hephaestus fixes → Oracle verifies the fix',
    prompt: 'Describe the bug, or give its id (#123, BUG-42)',
    required: true,
  },
  {
    kind: 'review',
    label: 'Review',
    detail: 'Librarian finds similar code → Oracle reviews → Sisyphus assesses the architecture',
    prompt: 'What should the review focus on? (optional)',
    required: false,
  },
];

export interface PipelineArgument {
  kind: PipelineKind;
  description?: string;
  bugId?: string;
}

const BUG_ID = /^(#\d+|[A-Z][A-Z0-9]*-\d+)$/;

/** A bugfix given only an id (`#123`, `BUG-42`) sends it as `bugId`. */
export function pipelineArgument(kind: PipelineKind, text: string): PipelineArgument {
  const given = text.trim();
  if (!given) {
    return { kind };
  }
  if (kind === 'bugfix' && BUG_ID.test(given)) {
    return { kind, bugId: given };
  }
  return { kind, description: given };
}

/** Why the input cannot be sent, for the input box; undefined when it can. */
export function validatePipelineInput(choice: PipelineChoice, text: string): string | undefined {
  return choice.required && !text.trim() ? `${choice.label} needs a description` : undefined;
}
