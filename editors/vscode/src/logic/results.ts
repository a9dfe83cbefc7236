// Which documents the server asks to show are its Markdown results: the files it writes as
// `<workspace>/.agent/<folder>/<name>.md` (plans, examples, explanations, reports, code it
// could not apply).

/** `fsPath` is a file path as the platform writes it (either separator). */
export function isMarkdownResult(fsPath: string): boolean {
  const parts = fsPath.split(/[\\/]/);
  const name = parts[parts.length - 1] ?? '';
  return parts.length >= 3 && parts[parts.length - 3] === '.agent' && name.toLowerCase().endsWith('.md');
}
