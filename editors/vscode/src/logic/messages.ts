// The server's `window/showMessage` as the extension shows it: one line in the
// notification, the rest in the log, and for failures the buttons that lead to a fix.

/** LSP's `MessageType`. */
export const MessageType = { Error: 1, Warning: 2, Info: 3, Log: 4 } as const;

export const RUN_DOCTOR = 'Run Doctor';
export const OPEN_LOG = 'Open Log';
export const OPEN_SETTINGS = 'Open Settings';

export type Severity = 'error' | 'warning' | 'info';

export interface ShownMessage {
  severity: Severity;
  /** The first non-blank line: what the notification says. */
  headline: string;
  /** The lines after it, for the log; empty when there are none. */
  details: string[];
  actions: string[];
}

export function shownMessage(type: number, text: string): ShownMessage {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim() !== '');
  const headline = first === -1 ? '' : (lines[first] ?? '').trim();
  const details = first === -1 ? [] : lines.slice(first + 1);
  while (details.length > 0 && (details[details.length - 1] ?? '').trim() === '') {
    details.pop();
  }
  const severity: Severity = type === MessageType.Error ? 'error' : type === MessageType.Warning ? 'warning' : 'info';
  return {
    severity,
    headline,
    details,
    actions: severity === 'info' ? [] : [RUN_DOCTOR, OPEN_LOG, OPEN_SETTINGS],
  };
}

/**
 * A job that failed says so twice: as a failure message and as its progress's closing
 * message. Returns whether `closing` only repeats a failure shown already.
 */
export function repeatsFailure(closing: string, failures: readonly string[]): boolean {
  const text = closing.trim();
  return text !== '' && failures.some((failure) => failure.includes(text));
}
