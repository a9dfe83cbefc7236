import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isMarkdownResult } from '../src/logic/results';

describe('Markdown results', () => {
  it('are the .md files two folders under .agent', () => {
    assert.equal(isMarkdownResult('/ws/.agent/plans/plan-src-app-py-20261204-183000.md'), true);
    assert.equal(isMarkdownResult('/ws/.agent/examples/examples-x-20261204-183000.md'), true);
    assert.equal(isMarkdownResult('C:\\ws\\.agent\\reports\\report-doctor-1.MD'), true);
  });

  it('are not other Markdown files, nor other files under .agent', () => {
    assert.equal(isMarkdownResult('/ws/README.md'), false);
    assert.equal(isMarkdownResult('/ws/.agent/notes.md'), false);
    assert.equal(isMarkdownResult('/ws/.agent/plans/plan.json'), false);
    assert.equal(isMarkdownResult('/ws/docs/.agent/x/y/z.md'), false);
  });
});
