// Activation: one language client, its commands, the server's state in the status bar,
// its messages and progress shown the extension's way, and settings changes passed on (a
// new server path or log level restarts the server).

import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, State, type LanguageClient } from 'vscode-languageclient/node';

import { createClient, workspaceFolder } from './client';
import { registerCommands } from './commands';
import { stoppedState } from './logic/health';
import { JobCounter } from './logic/jobs';
import { configurationChange, needsRestart, readSettings, type Settings } from './logic/settings';
import { ServerMessages } from './messages';
import { ProgressNotifications } from './progress';
import { ServerStatus } from './status';

let client: LanguageClient | undefined;

function currentSettings(): Settings {
  const section = vscode.workspace.getConfiguration('multiModel');
  return readSettings((key) => section.get(key));
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Multi-Model', { log: true });
  const jobs = new JobCounter();
  const status = new ServerStatus(jobs);
  const messages = new ServerMessages(output);
  const progress = new ProgressNotifications(() => messages.recentFailures());
  let settings = currentSettings();
  let stopRequested = false;

  const start = async (): Promise<void> => {
    stopRequested = false;
    const started = createClient(settings, output, {
      jobs,
      onJobsChanged: () => {
        status.refresh();
      },
      openResultsAsPreview: () => settings.openResultsAsPreview,
      inlineCompletion: () => settings.inlineCompletion,
    });
    client = started;
    started.onDidChangeState(({ newState }) => {
      if (client !== started) {
        return;
      }
      if (newState === State.Stopped) {
        progress.closeAll();
        jobs.clear();
      }
      status.setState(
        newState === State.Running ? 'running' : newState === State.Starting ? 'starting' : stoppedState(stopRequested),
      );
    });
    messages.install(started);
    status.setState('starting');
    try {
      await started.start();
      progress.install(started);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      status.setState('crashed');
      void vscode.window.showErrorMessage(
        `Multi-Model: the server did not start (${message}). Set multiModel.serverPath or put multi-model on PATH.`,
      );
    }
  };
  const stop = async (): Promise<void> => {
    stopRequested = true;
    try {
      await client?.dispose();
    } catch (error) {
      // A server that never started cannot be stopped; there is nothing left to clean up.
      output.appendLine(`stopping the server: ${error instanceof Error ? error.message : String(error)}`);
    }
    progress.closeAll();
    jobs.clear();
    status.setState('stopped');
  };
  const restart = async (): Promise<void> => {
    await stop();
    await start();
  };

  context.subscriptions.push(
    output,
    status,
    progress,
    ...registerCommands({
      client: () => {
        if (!client?.isRunning()) {
          throw new Error('the Multi-Model server is not running (click the status bar item to restart it)');
        }
        return client;
      },
      output,
      state: context.globalState,
      askForInstruction: () => settings.askForInstruction,
      restart,
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration('multiModel')) {
        return;
      }
      const next = currentSettings();
      const restartNeeded = needsRestart(settings, next);
      settings = next;
      if (restartNeeded) {
        await restart();
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
