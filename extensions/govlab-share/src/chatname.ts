/**
 * New chats named after the official's notebook and the date
 * ("민원분석 대화 2026-12-01.chat") instead of untitled.chat, untitled1.chat.
 *
 * jupyterlab-chat offers no naming hook, but its `createAndOpen` command takes a
 * `name`. Our command computes a unique name and calls it; the chat panel's own
 * "New chat" buttons (toolbar and empty-panel placeholder) are shadowed by a
 * capture-phase listener that runs our command instead, so no third-party code is
 * patched. Launcher and File > New > Chat still create untitled chats.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

export const NEW_CHAT_COMMAND = 'govlab-share:new-chat';
const CHAT_CREATE_AND_OPEN = 'jupyterlab-chat:createAndOpen';
const CHAT_FACTORY_SETTINGS = 'jupyterlab-chat-extension:factory';
/** The chat panel's "New chat" buttons (side-panel toolbar and placeholder). */
const NEW_CHAT_BUTTON = '.jp-chat-sidepanel .jp-chat-add';
const MAX_SUFFIX = 100;

/** Local date as YYYY-MM-DD (the official's day, not UTC's). */
export function localDate(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "<notebook> 대화 <date>", or "대화 <date>" without a notebook. */
export function chatBaseName(notebookPath: string | null, date: string): string {
  const stem = notebookPath
    ? PathExt.basename(notebookPath, PathExt.extname(notebookPath)).trim()
    : '';
  return stem ? `${stem} 대화 ${date}` : `대화 ${date}`;
}

async function exists(app: JupyterFrontEnd, path: string): Promise<boolean> {
  try {
    await app.serviceManager.contents.get(path, { content: false });
    return true;
  } catch {
    return false;
  }
}

/** The first free "<base>.chat", "<base> (2).chat", ... in the chats' folder. */
async function uniqueName(
  app: JupyterFrontEnd,
  directory: string,
  base: string
): Promise<string> {
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const name = n === 1 ? base : `${base} (${n})`;
    if (!(await exists(app, PathExt.join(directory, `${name}.chat`)))) {
      return name;
    }
  }
  return `${base} ${Date.now()}`; // 100 chats on one day: still unique
}

async function chatDirectory(settings: ISettingRegistry | null): Promise<string> {
  if (!settings) {
    return '';
  }
  try {
    const value = (await settings.get(CHAT_FACTORY_SETTINGS, 'defaultDirectory'))
      .composite;
    return typeof value === 'string' ? value : '';
  } catch {
    return ''; // jupyterlab-chat's default: the server root
  }
}

export const chatNamePlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:chat-names',
  description: 'New chats are named after the notebook and the date.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    settings: ISettingRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    app.commands.addCommand(NEW_CHAT_COMMAND, {
      label: '새 대화 (노트북 이름으로) / New chat named after the notebook',
      execute: async () => {
        const notebook = notebooks.currentWidget?.context.path ?? null;
        const directory = await chatDirectory(settings);
        const name = await uniqueName(
          app,
          directory,
          chatBaseName(notebook, localDate())
        );
        return app.commands.execute(CHAT_CREATE_AND_OPEN, {
          name,
          inSidePanel: true
        });
      }
    });
    // Beside jupyterlab-chat's own palette items (its category, in its translation).
    const chatTrans = (translator ?? nullTranslator).load('jupyter-chat');
    palette?.addItem({ command: NEW_CHAT_COMMAND, category: chatTrans.__('Chat') });

    // Capture phase: runs before the buttons' own (React) handlers, which then
    // never see the event. mousedown is swallowed too: the toolbar button acts on it.
    const shadow = (event: Event) => {
      const target = event.target as Element | null;
      if (!target?.closest?.(NEW_CHAT_BUTTON)) {
        return;
      }
      if (event instanceof KeyboardEvent && !['Enter', ' '].includes(event.key)) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      if (event.type !== 'mousedown') {
        app.commands
          .execute(NEW_CHAT_COMMAND)
          .catch(reason => console.error('govlab: new chat failed', reason));
      }
    };
    for (const type of ['mousedown', 'click', 'keydown']) {
      document.addEventListener(type, shadow, true);
    }
  }
};
