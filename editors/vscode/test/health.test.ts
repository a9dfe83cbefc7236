import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { statusView, stoppedState } from '../src/logic/health';

describe('status bar', () => {
  it('shows the number of running jobs and names them; a click cancels them', () => {
    const view = statusView('running', ['Review with Oracle', 'Plan with Sisyphus']);
    assert.equal(view.text, '$(sync~spin) Multi-Model: 2 running');
    assert.match(view.tooltip, /Review with Oracle, Plan with Sisyphus/);
    assert.equal(view.command, 'multiModel.cancelAll');
    assert.equal(view.error, false);
  });

  it('shows no number when the server runs idle', () => {
    assert.equal(statusView('running', []).text, '$(sparkle) Multi-Model');
  });

  it('shows a stopped or crashed server in the error colour; a click restarts it', () => {
    for (const state of ['stopped', 'crashed'] as const) {
      const view = statusView(state, []);
      assert.equal(view.error, true, state);
      assert.equal(view.command, 'multiModel.restart', state);
    }
    assert.notEqual(statusView('stopped', []).text, statusView('crashed', []).text);
  });

  it('shows a starting server without the error colour', () => {
    assert.equal(statusView('starting', []).error, false);
  });

  it('calls a stop the extension did not ask for a crash', () => {
    assert.equal(stoppedState(true), 'stopped');
    assert.equal(stoppedState(false), 'crashed');
  });
});
