import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MessageType, OPEN_LOG, OPEN_SETTINGS, repeatsFailure, RUN_DOCTOR, shownMessage } from '../src/logic/messages';

describe('server messages', () => {
  it('offers Run Doctor, Open Log and Open Settings on a failure', () => {
    const shown = shownMessage(MessageType.Error, 'Oracle failed — on m: ORACLE_KEY is not set');
    assert.equal(shown.severity, 'error');
    assert.deepEqual(shown.actions, [RUN_DOCTOR, OPEN_LOG, OPEN_SETTINGS]);
  });

  it('offers the same buttons on a warning, none on information', () => {
    assert.equal(shownMessage(MessageType.Warning, 'w').actions.length, 3);
    assert.deepEqual(shownMessage(MessageType.Info, 'i').actions, []);
    assert.equal(shownMessage(MessageType.Log, 'l').severity, 'info');
  });

  it('shows the first line and leaves the rest, as written, for the log', () => {
    const shown = shownMessage(MessageType.Error, '\nconfiguration not loaded: bad YAML\n  at line 3\n    agents:\n\n');
    assert.equal(shown.headline, 'configuration not loaded: bad YAML');
    assert.deepEqual(shown.details, ['  at line 3', '    agents:']);
  });

  it('has no details for a one-line message', () => {
    assert.deepEqual(shownMessage(MessageType.Error, 'one line').details, []);
  });
});

describe('closing messages', () => {
  it('are dropped when they repeat a failure already shown', () => {
    const failures = ['Oracle failed — on m: connection refused; `multi-model doctor` checks every role'];
    assert.equal(repeatsFailure('Oracle failed — on m: connection refused; `multi-model doctor` checks every role', failures), true);
    assert.equal(repeatsFailure('2 new findings from m', failures), false);
    assert.equal(repeatsFailure('', failures), false);
  });
});
