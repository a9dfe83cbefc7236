// The server's work-done progress as notifications with a Cancel button, and each job's
// closing message afterwards. vscode-languageclient shows server-initiated progress only
// in the status bar (`ProgressLocation.Window`), where it cannot be cancelled, so the
// extension answers `window/workDoneProgress/create` itself.

import * as vscode from 'vscode';
import {
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type LanguageClient,
  type ProgressToken,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';

import { repeatsFailure } from './logic/messages';

type Value = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

class Job {
  private title = 'Multi-Model';
  private progress: vscode.Progress<{ message?: string }> | undefined;
  private pendingMessage: string | undefined;
  private finish: (() => void) | undefined;
  private finished = false;
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly client: LanguageClient,
    private readonly token: ProgressToken,
    private readonly failures: () => readonly string[],
    private readonly forget: (job: Job) => void,
  ) {
    this.listener = client.onProgress(WorkDoneProgress.type, token, (value: Value) => {
      this.handle(value);
    });
  }

  private handle(value: Value): void {
    switch (value.kind) {
      case 'begin':
        this.begin(value);
        break;
      case 'report':
        this.report(value.message);
        break;
      case 'end':
        this.end(value.message);
        break;
    }
  }

  private begin(value: WorkDoneProgressBegin): void {
    this.title = value.title;
    this.pendingMessage = value.message;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: value.title, cancellable: value.cancellable === true },
      (progress, cancellation) => {
        if (this.finished) {
          return Promise.resolve();
        }
        this.progress = progress;
        this.report(this.pendingMessage);
        const onCancel = cancellation.onCancellationRequested(() => {
          void this.client.sendNotification(WorkDoneProgressCancelNotification.type, { token: this.token });
        });
        return new Promise<void>((resolve) => {
          this.finish = () => {
            onCancel.dispose();
            resolve();
          };
        });
      },
    );
  }

  private report(message: string | undefined): void {
    if (message === undefined) {
      return;
    }
    if (this.progress) {
      this.progress.report({ message });
    } else {
      this.pendingMessage = message;
    }
  }

  private end(message: string | undefined): void {
    this.close();
    // A failed job has shown its failure already, with buttons; its closing message
    // would only say it again.
    if (message && !repeatsFailure(message, this.failures())) {
      void vscode.window.showInformationMessage(`${this.title}: ${message}`);
    }
  }

  /** Ends the notification without a closing message (the server went away). */
  close(): void {
    this.finished = true;
    this.finish?.();
    this.finish = undefined;
    this.listener.dispose();
    this.forget(this);
  }
}

export class ProgressNotifications implements vscode.Disposable {
  private readonly jobs = new Set<Job>();

  constructor(private readonly failures: () => readonly string[]) {}

  /**
   * Takes over `window/workDoneProgress/create` from the client's own progress feature,
   * which registers it again at every start: call after each `client.start()`.
   */
  install(client: LanguageClient): void {
    client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.jobs.add(
        new Job(client, token, this.failures, (job) => {
          this.jobs.delete(job);
        }),
      );
    });
  }

  /** The server stopped: its jobs end with it. */
  closeAll(): void {
    for (const job of [...this.jobs]) {
      job.close();
    }
  }

  dispose(): void {
    this.closeAll();
  }
}
