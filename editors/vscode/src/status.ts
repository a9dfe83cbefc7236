// The status bar item: the server's state (starting, running, stopped, crashed) and how
// many jobs run. Running, a click cancels the jobs; stopped or crashed, it restarts.

import * as vscode from 'vscode';

import { statusView, type ServerState } from './logic/health';
import type { JobCounter } from './logic/jobs';

export class ServerStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('multiModel.status', vscode.StatusBarAlignment.Left, 50);
  private state: ServerState = 'starting';

  constructor(private readonly jobs: JobCounter) {
    this.item.name = 'Multi-Model';
    this.refresh();
    this.item.show();
  }

  setState(state: ServerState): void {
    this.state = state;
    this.refresh();
  }

  refresh(): void {
    const view = statusView(this.state, this.jobs.titles());
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    // Said by screen readers instead of the bare text, which does not tell the state.
    this.item.accessibilityInformation = { label: view.tooltip };
    this.item.command = view.command;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
