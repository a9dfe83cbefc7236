// The optional instruction Plan, Implement and Review ask for, in a quick input that
// offers recent instructions again (kept in the extension's global state).

import * as vscode from 'vscode';

import { instructionItems, readHistory, remember, type InstructionItem } from './logic/instruction';

const HISTORY_KEY = 'multiModel.instructionHistory';

type Item = vscode.QuickPickItem & { task: string | undefined };

function asItems(items: InstructionItem[]): Item[] {
  // The typed text is an item of its own; the input must not hide it as a non-match.
  return items.map((item) => ({ ...item, alwaysShow: true }));
}

/** `undefined`: the user cancelled (Escape). `{ task: undefined }`: run without one. */
export async function askInstruction(
  state: vscode.Memento,
  title: string,
): Promise<{ task: string | undefined } | undefined> {
  const history = readHistory(state.get(HISTORY_KEY));
  const input = vscode.window.createQuickPick<Item>();
  input.title = title;
  input.placeholder = 'What do you want? Optional: Enter runs without an instruction, Escape cancels';
  input.ignoreFocusOut = true;
  input.items = asItems(instructionItems('', history));
  const answer = await new Promise<{ task: string | undefined } | undefined>((resolve) => {
    let accepted = false;
    input.onDidChangeValue((value) => {
      input.items = asItems(instructionItems(value, history));
    });
    input.onDidAccept(() => {
      const chosen = input.selectedItems.at(0) ?? input.activeItems.at(0);
      accepted = true;
      resolve({ task: chosen ? chosen.task : input.value.trim() || undefined });
      input.hide();
    });
    input.onDidHide(() => {
      if (!accepted) {
        resolve(undefined);
      }
      input.dispose();
    });
    input.show();
  });
  if (answer?.task) {
    await state.update(HISTORY_KEY, remember(history, answer.task));
  }
  return answer;
}
