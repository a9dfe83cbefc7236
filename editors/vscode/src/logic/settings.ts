// The extension's settings and what each becomes: the server's command line and
// environment, `initializationOptions`, and `workspace/didChangeConfiguration` settings.

import * as path from 'node:path';

export const ROLES = ['sisyphus', 'hephaestus', 'oracle', 'librarian'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Settings {
  serverPath: string;
  configPath: string;
  logLevel: LogLevel;
  models: Partial<Record<Role, string>>;
  /** Plan, Implement and Review ask for an optional instruction first. */
  askForInstruction: boolean;
  /** The server's Markdown results open as a preview rather than as text. */
  openResultsAsPreview: boolean;
  /** Ghost text from the server (`textDocument/inlineCompletion`) while typing. */
  inlineCompletion: boolean;
}

/** Reads settings through `get` (a `WorkspaceConfiguration` for section `multiModel`). */
export function readSettings(get: (key: string) => unknown): Settings {
  const text = (key: string): string => {
    const value = get(key);
    return typeof value === 'string' ? value.trim() : '';
  };
  const flag = (key: string): boolean => {
    const value = get(key);
    return typeof value === 'boolean' ? value : true;
  };
  const level = text('logLevel');
  const models: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const model = text(`models.${role}`);
    if (model) {
      models[role] = model;
    }
  }
  return {
    serverPath: text('serverPath'),
    configPath: text('configPath'),
    logLevel: (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'info',
    models,
    askForInstruction: flag('askForInstruction'),
    openResultsAsPreview: flag('openResultsAsPreview'),
    inlineCompletion: flag('inlineCompletion.enabled'),
  };
}

/** `${workspaceFolder}` and relative paths are taken from the first workspace folder. */
export function resolveConfigPath(configPath: string, workspaceFolder: string | undefined): string {
  if (!configPath) {
    return '';
  }
  const expanded = workspaceFolder ? configPath.replace('${workspaceFolder}', workspaceFolder) : configPath;
  if (path.isAbsolute(expanded) || !workspaceFolder) {
    return expanded;
  }
  return path.join(workspaceFolder, expanded);
}

export interface ServerOptions {
  configPath?: string;
  models: Partial<Record<Role, string>>;
}

function serverOptions(settings: Settings, workspaceFolder: string | undefined): ServerOptions {
  const options: ServerOptions = { models: { ...settings.models } };
  const configPath = resolveConfigPath(settings.configPath, workspaceFolder);
  if (configPath) {
    options.configPath = configPath;
  }
  return options;
}

export function initializationOptions(settings: Settings, workspaceFolder: string | undefined): ServerOptions {
  return serverOptions(settings, workspaceFolder);
}

/**
 * The `settings` of `workspace/didChangeConfiguration`, under the server's section. An unset
 * config path is sent as "" so the server drops a path set earlier.
 */
export function configurationChange(
  settings: Settings,
  workspaceFolder: string | undefined,
): { multiModel: Required<ServerOptions> } {
  const options = serverOptions(settings, workspaceFolder);
  return { multiModel: { configPath: options.configPath ?? '', models: options.models } };
}

export function serverCommand(settings: Settings): { command: string; args: string[] } {
  return { command: settings.serverPath || 'multi-model', args: ['serve'] };
}

export function serverEnv(settings: Settings, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...base, MULTI_MODEL_LOG: settings.logLevel };
}

/**
 * The server reads its path and environment only when it starts; it offers inline
 * completions only to a client that announced them at the start, so turning them on
 * restarts it too. (Turning them off needs no restart: the client stops asking at once.)
 */
export function needsRestart(before: Settings, after: Settings): boolean {
  return (
    before.serverPath !== after.serverPath ||
    before.logLevel !== after.logLevel ||
    (!before.inlineCompletion && after.inlineCompletion)
  );
}
