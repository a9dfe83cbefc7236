// The palette and context-menu commands, each sent to the server as
// `workspace/executeCommand`. Results come back from the server on their own: documents
// it opens, edits it applies, diagnostics it publishes, messages it shows.

import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';

import { askInstruction } from './instruction';
import { PIPELINES, pipelineArgument, validatePipelineInput } from './logic/pipeline';
import { LANGUAGES, type ExtensionCommand } from './logic/manifest';
import { ASKS_FOR_INSTRUCTION, buildTarget, SERVER_COMMANDS, type RoleAction } from './logic/target';

const ROLE_TITLES: Readonly<Record<RoleAction, string>> = {
  plan: 'Plan with Sisyphus',
  implement: 'Implement with Hephaestus',
  review: 'Review with Oracle',
  examples: 'Find examples with Librarian',
};

export interface CommandContext {
  client: () => LanguageClient;
  output: vscode.LogOutputChannel;
  /** Where the instruction history is kept across sessions. */
  state: vscode.Memento;
  askForInstruction: () => boolean;
  restart: () => Promise<void>;
}

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

async function runRole(context: CommandContext, action: RoleAction): Promise<void> {
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
  let task: string | undefined;
  if (context.askForInstruction() && ASKS_FOR_INSTRUCTION.includes(action)) {
    const answer = await askInstruction(context.state, `Multi-Model: ${ROLE_TITLES[action]}`);
    if (!answer) {
      return;
    }
    task = answer.task;
  }
  const client = context.client();
  const target = buildTarget(action, {
    uri: client.code2ProtocolConverter.asUri(document.uri),
    version: document.version,
    selection: {
      start: { line: selection.start.line, character: selection.start.character },
      end: { line: selection.end.line, character: selection.end.character },
    },
    cursorLine: document.lineAt(selection.end.line).text,
  }, task);
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

export function registerCommands(context: CommandContext): vscode.Disposable[] {
  const { client, output } = context;
  const handlers: Record<ExtensionCommand, () => unknown> = {
    'multiModel.plan': () => runRole(context, 'plan'),
    'multiModel.implement': () => runRole(context, 'implement'),
    'multiModel.review': () => runRole(context, 'review'),
    'multiModel.examples': () => runRole(context, 'examples'),
    'multiModel.pipeline': () => runPipeline(client()),
    'multiModel.metrics': () => execute(client(), 'multi-model.metrics'),
    'multiModel.doctor': () => execute(client(), 'multi-model.doctor'),
    'multiModel.cancelAll': () => cancelAll(client()),
    'multiModel.showLog': () => {
      output.show();
    },
    'multiModel.restart': () => context.restart(),
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
