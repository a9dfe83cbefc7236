// The status bar item: how many jobs run; clicking it cancels them all.

import * as vscode from 'vscode';

import { statusText, statusTooltip, type JobCounter } from './logic/jobs';

export class JobStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly jobs: JobCounter) {
    this.item.command = 'multiModel.cancelAll';
    this.refresh();
    this.item.show();
  }

  refresh(): void {
    this.item.text = statusText(this.jobs.count);
    this.item.tooltip = statusTooltip(this.jobs.titles());
  }

  dispose(): void {
    this.item.dispose();
  }
}
