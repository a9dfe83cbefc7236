import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  configurationChange,
  initializationOptions,
  needsRestart,
  readSettings,
  serverCommand,
  serverEnv,
  type Settings,
} from '../src/logic/settings';

function settingsFrom(values: Record<string, unknown>): Settings {
  return readSettings((key) => values[key]);
}

const WORKSPACE = path.join(path.sep, 'home', 'me', 'project');

describe('settings', () => {
  it('start multi-model from PATH with `serve` when no server path is set', () => {
    assert.deepEqual(serverCommand(settingsFrom({})), { command: 'multi-model', args: ['serve'] });
  });

  it('start the configured server path', () => {
    const settings = settingsFrom({ serverPath: ' /opt/mm/bin/multi-model ' });
    assert.equal(serverCommand(settings).command, '/opt/mm/bin/multi-model');
  });

  it('pass the log level to the server as MULTI_MODEL_LOG, keeping the rest of the environment', () => {
    const env = serverEnv(settingsFrom({ logLevel: 'debug' }), { PATH: '/usr/bin' });
    assert.deepEqual(env, { PATH: '/usr/bin', MULTI_MODEL_LOG: 'debug' });
  });

  it('fall back to the info level for a level the server does not know', () => {
    assert.equal(settingsFrom({ logLevel: 'verbose' }).logLevel, 'info');
  });

  it('send the config file as initializationOptions.configPath, relative paths from the workspace', () => {
    const options = initializationOptions(settingsFrom({ configPath: 'config/team.yaml' }), WORKSPACE);
    assert.equal(options.configPath, path.join(WORKSPACE, 'config', 'team.yaml'));
  });

  it('expand ${workspaceFolder} in the config path', () => {
    const settings = settingsFrom({ configPath: '${workspaceFolder}/mm.yaml' });
    assert.equal(initializationOptions(settings, WORKSPACE).configPath, `${WORKSPACE}/mm.yaml`);
  });

  it('leave configPath out of initializationOptions when none is set, so the server discovers one', () => {
    assert.equal('configPath' in initializationOptions(settingsFrom({ configPath: '' }), WORKSPACE), false);
  });

  it('send only the per-role models that are set', () => {
    const settings = settingsFrom({ 'models.oracle': 'claude-sonnet-5', 'models.sisyphus': '  ' });
    assert.deepEqual(initializationOptions(settings, WORKSPACE).models, { oracle: 'claude-sonnet-5' });
  });

  it('send changes under the multiModel section, an unset config path as "" to clear it', () => {
    const settings = settingsFrom({ 'models.hephaestus': 'qwen2.5-coder:32b' });
    assert.deepEqual(configurationChange(settings, WORKSPACE), {
      multiModel: { configPath: '', models: { hephaestus: 'qwen2.5-coder:32b' } },
    });
  });

  it('restart the server only for a new server path or log level', () => {
    const before = settingsFrom({ serverPath: 'a', logLevel: 'info' });
    assert.equal(needsRestart(before, settingsFrom({ serverPath: 'b', logLevel: 'info' })), true);
    assert.equal(needsRestart(before, settingsFrom({ serverPath: 'a', logLevel: 'debug' })), true);
    assert.equal(
      needsRestart(before, settingsFrom({ serverPath: 'a', logLevel: 'info', 'models.oracle': 'x' })),
      false,
    );
  });

  it('offer inline completions unless turned off', () => {
    assert.equal(settingsFrom({}).inlineCompletion, true);
    assert.equal(settingsFrom({ 'inlineCompletion.enabled': false }).inlineCompletion, false);
  });

  it('restart the server when inline completion is turned on, not when it is turned off', () => {
    const on = settingsFrom({ 'inlineCompletion.enabled': true });
    const off = settingsFrom({ 'inlineCompletion.enabled': false });
    assert.equal(needsRestart(off, on), true);
    assert.equal(needsRestart(on, off), false);
  });

  it('ask for an instruction and open results as preview unless turned off', () => {
    assert.equal(settingsFrom({}).askForInstruction, true);
    assert.equal(settingsFrom({}).openResultsAsPreview, true);
    const off = settingsFrom({ askForInstruction: false, openResultsAsPreview: false });
    assert.equal(off.askForInstruction, false);
    assert.equal(off.openResultsAsPreview, false);
  });
});
