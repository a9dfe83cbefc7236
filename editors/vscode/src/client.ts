// The language client: `multi-model serve` on stdio for the files the server has a grammar
// for (Python, Rust, TypeScript, JavaScript, Go).

import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

import type { JobCounter } from './logic/jobs';
import { LANGUAGES } from './logic/manifest';
import { initializationOptions, serverCommand, serverEnv, type Settings } from './logic/settings';


export function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function createClient(
  settings: Settings,
  output: vscode.OutputChannel,
  jobs: JobCounter,
  onJobsChanged: () => void,
): LanguageClient {
  const { command, args } = serverCommand(settings);
  const executable = { command, args, options: { env: serverEnv(settings, process.env) } };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
    initializationOptions: initializationOptions(settings, workspaceFolder()),
    outputChannel: output,
    middleware: {
      // The client shows progress itself; this only watches begin/end go by to count jobs.
      handleWorkDoneProgress: (token, params, next) => {
        if (jobs.update(token, params)) {
          onJobsChanged();
        }
        next(token, params);
      },
    },
  };
  return new LanguageClient('multiModel', 'Multi-Model', serverOptions, clientOptions);
}
