// Inline completion (ghost text) on or off: what the client announces to the server.

/** The part of the client's capabilities that announces inline completion. */
export interface WithInlineCompletion {
  textDocument?: { inlineCompletion?: unknown };
}

/**
 * Removes the announcement of `textDocument/inlineCompletion` (vscode-languageclient 10
 * fills it in): a server told nothing offers no inline completion and is never asked.
 */
export function withoutInlineCompletion<T extends WithInlineCompletion>(capabilities: T): T {
  if (capabilities.textDocument) {
    delete capabilities.textDocument.inlineCompletion;
  }
  return capabilities;
}
