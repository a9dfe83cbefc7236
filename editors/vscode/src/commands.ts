// The palette and context-menu commands, each sent to the server as
// `workspace/executeCommand`. Results come back from the server on their own: documents
// it opens, edits it applies, diagnostics it publishes, messages it shows.

import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';

import { PIPELINES, pipelineArgument, validatePipelineInput } from './logic/pipeline';
import { LANGUAGES, type ExtensionCommand } from './logic/manifest';
import { buildTarget, SERVER_COMMANDS, type RoleAction } from './logic/target';

async function execute(client: LanguageClient, command: string, argument?: unknown): Promise<unknown> {
  try {
    return await client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: argument === undefined ? [] : [argument],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`Multi-Model: ${message}`);
    return undefined;
  }
}

async function runRole(client: LanguageClient, action: RoleAction): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('Multi-Model: open a file and select code first.');
    return;
  }
  const document = editor.document;
  if (!LANGUAGES.includes(document.languageId) || document.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage(
      `Multi-Model works on saved ${LANGUAGES.join(', ')} files; this is ${document.languageId}.`,
    );
    return;
  }
  const selection = editor.selection;
  const target = buildTarget(action, {
    uri: client.code2ProtocolConverter.asUri(document.uri),
    version: document.version,
    selection: {
      start: { line: selection.start.line, character: selection.start.character },
      end: { line: selection.end.line, character: selection.end.character },
    },
    cursorLine: document.lineAt(selection.end.line).text,
  });
  await execute(client, SERVER_COMMANDS[action], target);
}

async function runPipeline(client: LanguageClient): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    PIPELINES.map((choice) => ({ label: choice.label, detail: choice.detail, choice })),
    { title: 'Multi-Model: Run pipeline' },
  );
  if (!picked) {
    return;
  }
  const text = await vscode.window.showInputBox({
    title: `Multi-Model: ${picked.label} pipeline`,
    prompt: picked.choice.prompt,
    validateInput: (value) => validatePipelineInput(picked.choice, value),
  });
  if (text === undefined) {
    return;
  }
  await execute(client, 'multi-model.pipeline', pipelineArgument(picked.choice.kind, text));
}

async function cancelAll(client: LanguageClient): Promise<void> {
  const answer = (await execute(client, 'multi-model.cancelAll')) as { cancelled?: number } | undefined;
  if (answer) {
    void vscode.window.showInformationMessage(`Multi-Model: cancelled ${String(answer.cancelled ?? 0)} job(s).`);
  }
}

export function registerCommands(
  client: () => LanguageClient,
  output: vscode.OutputChannel,
): vscode.Disposable[] {
  const handlers: Record<ExtensionCommand, () => unknown> = {
    'multiModel.plan': () => runRole(client(), 'plan'),
    'multiModel.implement': () => runRole(client(), 'implement'),
    'multiModel.review': () => runRole(client(), 'review'),
    'multiModel.examples': () => runRole(client(), 'examples'),
    'multiModel.pipeline': () => runPipeline(client()),
    'multiModel.metrics': () => execute(client(), 'multi-model.metrics'),
    'multiModel.doctor': () => execute(client(), 'multi-model.doctor'),
    'multiModel.cancelAll': () => cancelAll(client()),
    'multiModel.showLog': () => {
      output.show();
    },
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
