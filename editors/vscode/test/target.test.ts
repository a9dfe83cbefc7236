import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { buildTarget, type EditorState } from '../src/logic/target';

const at = (line: number, character: number) => ({ line, character });

function editor(start: [number, number], end: [number, number], cursorLine: string): EditorState {
  return {
    uri: 'file:///ws/app.py',
    version: 7,
    selection: { start: at(...start), end: at(...end) },
    cursorLine,
  };
}

describe('buildTarget', () => {
  it('sends the selection, the uri and the document version', () => {
    const target = buildTarget('review', editor([2, 4], [5, 0], ''));
    assert.deepEqual(target, {
      uri: 'file:///ws/app.py',
      range: { start: at(2, 4), end: at(5, 0) },
      version: 7,
    });
  });

  it('reviews the whole cursor line when nothing is selected', () => {
    const target = buildTarget('review', editor([3, 6], [3, 6], '    os.system(cmd)'));
    assert.deepEqual(target.range, { start: at(3, 0), end: at(3, 18) });
  });

  it('implements at the cursor itself when nothing is selected', () => {
    const target = buildTarget('implement', editor([3, 6], [3, 6], '    os.system(cmd)'));
    assert.deepEqual(target.range, { start: at(3, 6), end: at(3, 6) });
  });

  it('implements over a blank line whole, so the code starts at its indentation', () => {
    const target = buildTarget('implement', editor([2, 2], [2, 2], '    '));
    assert.deepEqual(target.range, { start: at(2, 0), end: at(2, 4) });
  });

  it('measures the cursor line in UTF-16 code units, as the server negotiated', () => {
    const target = buildTarget('plan', editor([0, 0], [0, 0], 'name = "😀"'));
    assert.equal(target.range.end.character, 11);
  });

  it('adds what the user typed as the task, trimmed, and nothing when it is blank', () => {
    assert.equal(buildTarget('plan', editor([0, 0], [1, 0], ''), '  add retries ').task, 'add retries');
    assert.equal('task' in buildTarget('plan', editor([0, 0], [1, 0], ''), '   '), false);
  });
});
