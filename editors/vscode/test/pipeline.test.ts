import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { PIPELINES, pipelineArgument, validatePipelineInput, type PipelineChoice } from '../src/logic/pipeline';

function choice(kind: string): PipelineChoice {
  const found = PIPELINES.find((p) => p.kind === kind);
  if (!found) {
    throw new Error(`no ${kind} pipeline`);
  }
  return found;
}

describe('pipeline', () => {
  it('offers the three pipelines the server runs', () => {
    assert.deepEqual(
      PIPELINES.map((p) => p.kind),
      ['feature', 'bugfix', 'review'],
    );
  });

  it('sends what was typed as the description', () => {
    assert.deepEqual(pipelineArgument('feature', ' rate limiting for /login '), {
      kind: 'feature',
      description: 'rate limiting for /login',
    });
  });

  it('sends a bare bug id as bugId', () => {
    assert.deepEqual(pipelineArgument('bugfix', '#123'), { kind: 'bugfix', bugId: '#123' });
    assert.deepEqual(pipelineArgument('bugfix', 'BUG-42'), { kind: 'bugfix', bugId: 'BUG-42' });
  });

  it('sends a bug described in words as its description', () => {
    assert.deepEqual(pipelineArgument('bugfix', 'login fails after #123'), {
      kind: 'bugfix',
      description: 'login fails after #123',
    });
  });

  it('sends a review with nothing typed as the kind alone', () => {
    assert.deepEqual(pipelineArgument('review', '  '), { kind: 'review' });
  });

  it('refuses an empty feature or bugfix, as the server would, and accepts an empty review', () => {
    assert.match(validatePipelineInput(choice('feature'), ' ') ?? '', /needs a description/);
    assert.match(validatePipelineInput(choice('bugfix'), '') ?? '', /needs a description/);
    assert.equal(validatePipelineInput(choice('review'), ''), undefined);
  });
});
