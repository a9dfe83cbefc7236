// The status bar item: the server's state, and how many jobs run.

export type ServerState = 'starting' | 'running' | 'stopped' | 'crashed';

export interface StatusView {
  text: string;
  tooltip: string;
  /** The command a click runs. */
  command: 'multiModel.cancelAll' | 'multiModel.restart' | 'multiModel.showLog';
  /** Drawn in the status bar's error colour. */
  error: boolean;
}

export function statusView(state: ServerState, titles: readonly string[]): StatusView {
  switch (state) {
    case 'starting':
      return { text: '$(loading~spin) Multi-Model', tooltip: 'Multi-Model: the server is starting', command: 'multiModel.showLog', error: false };
    case 'stopped':
      return { text: '$(circle-slash) Multi-Model', tooltip: 'Multi-Model: the server is stopped (click to start it)', command: 'multiModel.restart', error: true };
    case 'crashed':
      return { text: '$(error) Multi-Model', tooltip: 'Multi-Model: the server stopped unexpectedly (click to restart it; the log says why)', command: 'multiModel.restart', error: true };
    case 'running':
      return titles.length === 0
        ? { text: '$(sparkle) Multi-Model', tooltip: 'Multi-Model: the server is running; no jobs', command: 'multiModel.cancelAll', error: false }
        : {
            text: `$(sync~spin) Multi-Model: ${String(titles.length)} running`,
            tooltip: `Running: ${titles.join(', ')} (click to cancel all)`,
            command: 'multiModel.cancelAll',
            error: false,
          };
  }
}

/** A server that stops without the extension stopping it has crashed. */
export function stoppedState(stopRequested: boolean): ServerState {
  return stopRequested ? 'stopped' : 'crashed';
}
