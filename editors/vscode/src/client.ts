// The language client: `multi-model serve` on stdio for the files the server has a grammar
// for (Python, Rust, TypeScript, JavaScript, Go).

import * as vscode from 'vscode';
import {
  LanguageClient,
  type ClientCapabilities,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from 'vscode-languageclient/node';

import { withoutInlineCompletion } from './logic/inline';
import type { JobCounter } from './logic/jobs';
import { LANGUAGES } from './logic/manifest';
import { isMarkdownResult } from './logic/results';
import { initializationOptions, serverCommand, serverEnv, type Settings } from './logic/settings';


export function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/**
 * `multiModel.inlineCompletion.enabled` off when the client starts: the client does not
 * announce inline completion, so the server offers none. Registered after the client's own
 * features, it runs after vscode-languageclient's inline completion feature filled it in.
 */
class InlineCompletionOff implements StaticFeature {
  getState(): { kind: 'static' } {
    return { kind: 'static' };
  }
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    withoutInlineCompletion(capabilities);
  }
  initialize(): void {
    // Nothing to set up: all it does is leave the capability out.
  }
  clear(): void {
    // Nothing registered.
  }
}

export interface ClientHooks {
  jobs: JobCounter;
  onJobsChanged: () => void;
  /** Read when a result arrives, so a changed setting applies at once. */
  openResultsAsPreview: () => boolean;
  /** Read at each request, so turning inline completion off applies at once. */
  inlineCompletion: () => boolean;
}

export function createClient(settings: Settings, output: vscode.LogOutputChannel, hooks: ClientHooks): LanguageClient {
  const { command, args } = serverCommand(settings);
  const executable = { command, args, options: { env: serverEnv(settings, process.env) } };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
    initializationOptions: initializationOptions(settings, workspaceFolder()),
    outputChannel: output,
    middleware: {
      // Off: no request at all, not even one whose answer is dropped.
      provideInlineCompletionItems: (document, position, context, token, next) =>
        hooks.inlineCompletion() ? next(document, position, context, token) : null,
      // The notifications are the extension's own (progress.ts); this only watches
      // begin/end go by to count jobs.
      handleWorkDoneProgress: (token, params, next) => {
        if (hooks.jobs.update(token, params)) {
          hooks.onJobsChanged();
        }
        next(token, params);
      },
      window: {
        showDocument: async (params, token, next) => {
          const uri = vscode.Uri.parse(params.uri);
          if (params.external !== true && uri.scheme === 'file' && hooks.openResultsAsPreview() && isMarkdownResult(uri.fsPath)) {
            try {
              await vscode.commands.executeCommand('markdown.showPreview', uri);
              return { success: true };
            } catch (error) {
              // Without the built-in Markdown extension there is no preview; text will do.
              output.appendLine(`Markdown preview of ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
            }
          }
          // The client's own handler (the one `next` calls) answers with a result, never
          // an error.
          return next(params, token);
        },
      },
    },
  };
  const client = new LanguageClient('multiModel', 'Multi-Model', serverOptions, clientOptions);
  if (!settings.inlineCompletion) {
    client.registerFeature(new InlineCompletionOff());
  }
  return client;
}
