// Running jobs, counted from `$/progress` begin and end by token, for the status bar.

export type ProgressToken = string | number;

export interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
}

export class JobCounter {
  private readonly running = new Map<string, string>();

  /** Returns whether the count changed. */
  update(token: ProgressToken, value: ProgressValue): boolean {
    const key = String(token);
    if (value.kind === 'begin') {
      const known = this.running.has(key);
      this.running.set(key, value.title ?? 'job');
      return !known;
    }
    if (value.kind === 'end') {
      return this.running.delete(key);
    }
    return false;
  }

  /** When the server stops, its jobs stop with it. */
  clear(): void {
    this.running.clear();
  }

  get count(): number {
    return this.running.size;
  }

  titles(): string[] {
    return [...this.running.values()];
  }
}
