import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HISTORY_LIMIT, instructionItems, NO_INSTRUCTION_LABEL, readHistory, remember } from '../src/logic/instruction';

describe('instruction input', () => {
  it('offers running without an instruction first, so Enter on an empty input skips', () => {
    const items = instructionItems('', ['add retries']);
    assert.equal(items[0]?.label, NO_INSTRUCTION_LABEL);
    assert.equal(items[0]?.task, undefined);
    assert.deepEqual(items.slice(1).map((i) => i.task), ['add retries']);
  });

  it('offers what was typed first, then the recent instructions that contain it', () => {
    const items = instructionItems(' retr ', ['add retries', 'use shlex', 'Retry twice']);
    assert.deepEqual(items.map((i) => i.task), ['retr', 'add retries', 'Retry twice']);
  });

  it('does not list a recent instruction twice when it is what was typed', () => {
    const items = instructionItems('use shlex', ['use shlex']);
    assert.deepEqual(items.map((i) => i.task), ['use shlex']);
  });
});

describe('instruction history', () => {
  it('keeps the most recent first, without duplicates', () => {
    assert.deepEqual(remember(['a', 'b', 'c'], 'b'), ['b', 'a', 'c']);
  });

  it('forgets the oldest past the limit', () => {
    const full = Array.from({ length: HISTORY_LIMIT }, (_, i) => `task ${String(i)}`);
    const next = remember(full, 'new');
    assert.equal(next.length, HISTORY_LIMIT);
    assert.equal(next[0], 'new');
    assert.ok(!next.includes(`task ${String(HISTORY_LIMIT - 1)}`));
  });

  it('does not remember a blank instruction', () => {
    assert.deepEqual(remember(['a'], '   '), ['a']);
  });

  it('reads back only strings from whatever storage held', () => {
    assert.deepEqual(readHistory(undefined), []);
    assert.deepEqual(readHistory('a'), []);
    assert.deepEqual(readHistory(['a', 3, '', 'b']), ['a', 'b']);
  });
});
