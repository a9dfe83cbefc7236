import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { EXTENSION_COMMANDS, LANGUAGES, SETTING_KEYS } from '../src/logic/manifest';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category: string }[];
    menus: Record<string, { command?: string; submenu?: string }[]>;
    submenus: { id: string }[];
    configuration: { properties: Record<string, unknown> };
  };
}

// Compiled into out/test/, two levels below the package.
const manifest = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
) as Manifest;

describe('package.json', () => {
  it('declares exactly the commands the extension registers', () => {
    const declared = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(declared, [...EXTENSION_COMMANDS].sort());
  });

  it('titles the four role commands as the server titles its code actions', () => {
    const titles = manifest.contributes.commands.map((c) => `${c.category}: ${c.title}`);
    for (const title of ['Plan with Sisyphus', 'Implement with Hephaestus', 'Review with Oracle', 'Find examples with Librarian']) {
      assert.ok(titles.includes(`Multi-Model: ${title}`), title);
    }
  });

  it('puts only declared commands and submenus in menus', () => {
    const commands = new Set<string>(EXTENSION_COMMANDS);
    const submenus = new Set(manifest.contributes.submenus.map((s) => s.id));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        const known = entry.command ? commands.has(entry.command) : submenus.has(entry.submenu ?? '');
        assert.ok(known, `${menu}: ${JSON.stringify(entry)}`);
      }
    }
  });

  it('declares every setting the extension reads, under multiModel', () => {
    const declared = Object.keys(manifest.contributes.configuration.properties).sort();
    assert.deepEqual(declared, SETTING_KEYS.map((key) => `multiModel.${key}`).sort());
  });

  it('activates for the languages the client selects documents of', () => {
    assert.deepEqual(
      [...manifest.activationEvents].sort(),
      LANGUAGES.map((language) => `onLanguage:${language}`).sort(),
    );
  });

  it('selects the languages the server has grammars for', () => {
    assert.deepEqual(
      [...LANGUAGES].sort(),
      ['go', 'javascript', 'javascriptreact', 'python', 'rust', 'typescript', 'typescriptreact'],
    );
  });
});
