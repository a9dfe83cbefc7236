// Activation: one language client, its commands, the job status, and settings changes
// passed on (a new server path or log level restarts the server).

import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, type LanguageClient } from 'vscode-languageclient/node';

import { createClient, workspaceFolder } from './client';
import { registerCommands } from './commands';
import { JobCounter } from './logic/jobs';
import { configurationChange, needsRestart, readSettings, type Settings } from './logic/settings';
import { JobStatus } from './status';

let client: LanguageClient | undefined;

function currentSettings(): Settings {
  const section = vscode.workspace.getConfiguration('multiModel');
  return readSettings((key) => section.get(key));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Multi-Model');
  const jobs = new JobCounter();
  const status = new JobStatus(jobs);
  let settings = currentSettings();

  const start = async (): Promise<void> => {
    client = createClient(settings, output, jobs, () => {
      status.refresh();
    });
    try {
      await client.start();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(
        `Multi-Model: the server did not start (${message}). Set multiModel.serverPath or put multi-model on PATH.`,
      );
    }
  };
  const stop = async (): Promise<void> => {
    try {
      await client?.stop();
    } catch (error) {
      // A server that never started cannot be stopped; there is nothing left to clean up.
      output.appendLine(`stopping the server: ${error instanceof Error ? error.message : String(error)}`);
    }
    jobs.clear();
    status.refresh();
  };

  context.subscriptions.push(
    output,
    status,
    ...registerCommands(() => {
      if (!client) {
        throw new Error('the Multi-Model server is not running');
      }
      return client;
    }, output),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration('multiModel')) {
        return;
      }
      const next = currentSettings();
      const restart = needsRestart(settings, next);
      settings = next;
      if (restart) {
        await stop();
        await start();
      } else if (client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: configurationChange(settings, workspaceFolder()),
        });
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
