// The names package.json must declare: the commands the extension registers, the settings
// it reads and the languages it starts the server for (tested against package.json, which
// VS Code reads instead of the code).

import { ROLES } from './settings';
import { ROLE_ACTIONS } from './target';

export const EXTENSION_COMMANDS = [
  ...ROLE_ACTIONS.map((action) => `multiModel.${action}` as const),
  'multiModel.pipeline',
  'multiModel.metrics',
  'multiModel.doctor',
  'multiModel.cancelAll',
  'multiModel.showLog',
  'multiModel.restart',
] as const;

export type ExtensionCommand = (typeof EXTENSION_COMMANDS)[number];

export const SETTING_KEYS = [
  'serverPath',
  'configPath',
  'logLevel',
  'askForInstruction',
  'openResultsAsPreview',
  'inlineCompletion.enabled',
  ...ROLES.map((role) => `models.${role}`),
];

// VS Code's language ids of the files the server has a grammar for.
export const LANGUAGES = [
  'python',
  'rust',
  'typescript',
  'typescriptreact',
  'javascript',
  'javascriptreact',
  'go',
];
