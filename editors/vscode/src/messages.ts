// The server's `window/showMessage`: one sentence in the notification (the rest of a
// multi-line message goes to the log), and for failures the buttons that lead to a fix.

import * as vscode from 'vscode';
import { ShowMessageNotification, type LanguageClient } from 'vscode-languageclient/node';

import { OPEN_LOG, OPEN_SETTINGS, RUN_DOCTOR, shownMessage } from './logic/messages';

const REMEMBERED_FAILURES = 20;

export class ServerMessages {
  private readonly failures: string[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** Recent failures shown, newest last: a job's closing message may repeat one. */
  recentFailures(): readonly string[] {
    return this.failures;
  }

  /**
   * Replaces the client's own handler, which shows the whole text in one notification
   * with no way to act on it. Registered before `start()`: the client adds handlers
   * registered early after its built-in ones, so this one wins, at every restart too.
   */
  install(client: LanguageClient): void {
    client.onNotification(ShowMessageNotification.type, ({ type, message }) => {
      this.show(type, message);
    });
  }

  private show(type: number, text: string): void {
    const shown = shownMessage(type, text);
    // The log channel stamps each entry with its time and level.
    const entry = [shown.headline, ...shown.details.map((line) => `    ${line}`)].join('\n');
    if (shown.severity === 'error') {
      this.output.error(entry);
    } else if (shown.severity === 'warning') {
      this.output.warn(entry);
    } else {
      this.output.info(entry);
    }
    const headline = shown.details.length > 0 ? `${shown.headline} (more in the log)` : shown.headline;
    if (shown.severity === 'info') {
      void vscode.window.showInformationMessage(headline);
      return;
    }
    this.failures.push(text);
    this.failures.splice(0, Math.max(0, this.failures.length - REMEMBERED_FAILURES));
    const show = shown.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(headline, ...shown.actions).then((choice) => this.act(choice));
  }

  private async act(choice: string | undefined): Promise<void> {
    switch (choice) {
      case RUN_DOCTOR:
        await vscode.commands.executeCommand('multiModel.doctor');
        break;
      case OPEN_LOG:
        this.output.show();
        break;
      case OPEN_SETTINGS:
        await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:multi-model.multi-model');
        break;
    }
  }
}
