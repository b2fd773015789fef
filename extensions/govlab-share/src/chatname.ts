/**
 * New chats named after the official's notebook and the date
 * ("민원분석 대화 2026-12-01.chat") instead of untitled.chat, untitled1.chat.
 *
 * jupyterlab-chat offers no naming hook, but its `createAndOpen` command takes a
 * `name`. Our commands compute a unique name and call it. Every place that creates a
 * chat leads to them, without patching third-party code:
 * - the chat panel's "새 대화" buttons, the Launcher's chat card and jupyterlab-chat's
 *   command palette entry ("새 대화 만들기"): a capture-phase listener runs our command
 *   before their own handlers see the event (a click, or Enter on the palette's active
 *   item);
 * - File > New and the file browser's context menu: our schema
 *   (schema/chat-names.json) disables jupyterlab-chat's menu items and adds ours, as
 *   JupyterLab's menu settings allow.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PathExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';

export const NEW_CHAT_COMMAND = 'govlab-share:new-chat';
export const NEW_CHAT_IN_FOLDER_COMMAND = 'govlab-share:new-chat-in-folder';
const CHAT_CREATE_AND_OPEN = 'jupyterlab-chat:createAndOpen';
const CHAT_FACTORY_SETTINGS = 'jupyterlab-chat-extension:factory';
/** The chat panel's "New chat" buttons (side-panel toolbar and placeholder). */
const NEW_CHAT_BUTTON = '.jp-chat-sidepanel .jp-chat-add';
const LAUNCHER_CARD = '.jp-LauncherCard';
/** jupyterlab-chat's palette entry: the only palette item of its `createAndOpen`. */
const PALETTE_CHAT_ITEM = `.lm-CommandPalette-item[data-command="${CHAT_CREATE_AND_OPEN}"]`;
const MAX_SUFFIX = 100;
const MENU_LABEL = '새 대화 / New chat';

/** Local date as YYYY-MM-DD (the official's day, not UTC's). */
export function localDate(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "<notebook> 대화 <date>", or "대화 <date>" without a notebook. */
export function chatBaseName(
  notebookPath: string | null,
  date: string
): string {
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

/** The first free "<base>.chat", "<base> (2).chat", ... in `directory`. */
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

async function chatDirectory(
  settings: ISettingRegistry | null
): Promise<string> {
  if (!settings) {
    return '';
  }
  try {
    const value = (
      await settings.get(CHAT_FACTORY_SETTINGS, 'defaultDirectory')
    ).composite;
    return typeof value === 'string' ? value : '';
  } catch {
    return ''; // jupyterlab-chat's default: the server root
  }
}

/** The launcher card of jupyterlab-chat's `createAndOpen` (matched by its own label). */
function chatLauncherCard(
  app: JupyterFrontEnd,
  target: Element
): Element | null {
  const card = target.closest?.(LAUNCHER_CARD);
  if (!card) {
    return null;
  }
  const label = card
    .querySelector('.jp-LauncherCard-label')
    ?.textContent?.trim();
  const title = card.getAttribute('title');
  const chat = app.commands.hasCommand(CHAT_CREATE_AND_OPEN);
  return chat &&
    label === app.commands.label(CHAT_CREATE_AND_OPEN, {}) &&
    title === app.commands.caption(CHAT_CREATE_AND_OPEN, {})
    ? card
    : null;
}

/**
 * jupyterlab-chat's palette entry when `event` would run it: a left click on it, or
 * Enter in the palette while it is the active item (the palette runs its active item;
 * a modifier key makes the palette ignore Enter, so do we).
 */
function chatPaletteItem(event: Event, target: Element): Element | null {
  if (event instanceof KeyboardEvent) {
    if (
      event.key !== 'Enter' ||
      event.altKey ||
      event.ctrlKey ||
      event.metaKey ||
      event.shiftKey
    ) {
      return null;
    }
    const palette = target.closest('.lm-CommandPalette');
    const active = palette?.querySelector(
      '.lm-CommandPalette-item.lm-mod-active'
    );
    return active?.matches(PALETTE_CHAT_ITEM) ? active : null;
  }
  if (event instanceof MouseEvent && event.button !== 0) {
    return null;
  }
  return target.closest(PALETTE_CHAT_ITEM);
}

export const chatNamePlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:chat-names',
  description: 'New chats are named after the notebook and the date.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    settings: ISettingRegistry | null,
    browser: IDefaultFileBrowser | null
  ) => {
    // args.area "main" (File > New, launcher, file browser): in `path` or the file
    // browser's folder, opened in the main area, as jupyterlab-chat does there.
    // Otherwise (the chat panel): in the chats' folder, opened in the side panel.
    app.commands.addCommand(NEW_CHAT_COMMAND, {
      label: MENU_LABEL,
      execute: async args => {
        const main = args.area === 'main';
        const directory = main
          ? typeof args.path === 'string'
            ? args.path
            : (browser?.model.path ?? '')
          : await chatDirectory(settings);
        const notebook = notebooks.currentWidget?.context.path ?? null;
        const name = await uniqueName(
          app,
          directory,
          chatBaseName(notebook, localDate())
        );
        return app.commands.execute(CHAT_CREATE_AND_OPEN, {
          name,
          path: directory,
          inSidePanel: !main
        });
      }
    });
    // The file browser's context menu: in the folder right-clicked, else the current one.
    app.commands.addCommand(NEW_CHAT_IN_FOLDER_COMMAND, {
      label: MENU_LABEL,
      execute: () => {
        const item = browser?.selectedItems().next().value;
        const path =
          item && item.type === 'directory'
            ? item.path
            : (browser?.model.path ?? '');
        return app.commands.execute(NEW_CHAT_COMMAND, { area: 'main', path });
      }
    });

    const run = (args: Record<string, string>, done?: (w: unknown) => void) => {
      app.commands
        .execute(NEW_CHAT_COMMAND, args)
        .then(widget => done?.(widget))
        .catch(reason => console.error('govlab: new chat failed', reason));
    };

    // Capture phase: runs before the buttons' own (React) handlers, which then
    // never see the event. mousedown is swallowed too: the toolbar button acts on it.
    const shadow = (event: Event) => {
      const target = event.target as Element | null;
      if (!target?.closest) {
        return;
      }
      const paletteItem = chatPaletteItem(event, target);
      const panelButton = paletteItem ? null : target.closest(NEW_CHAT_BUTTON);
      const card =
        paletteItem || panelButton ? null : chatLauncherCard(app, target);
      if (!paletteItem && !panelButton && !card) {
        return;
      }
      if (
        event instanceof KeyboardEvent &&
        !['Enter', ' '].includes(event.key)
      ) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      if (event.type === 'mousedown') {
        return;
      }
      if (paletteItem) {
        // As jupyterlab-chat's entry did: in the file browser's folder, main area.
        // Running a command closes the modal palette (it listens to commandExecuted).
        run({ area: 'main' });
        return;
      }
      if (panelButton) {
        run({});
        return;
      }
      // The launcher: its folder, and the launcher gives way to the new chat as
      // it does for any item it opens.
      const cwd = card!
        .closest('.jp-Launcher-body')
        ?.querySelector('.jp-Launcher-cwd h3')?.textContent;
      const launcher = Array.from(app.shell.widgets('main')).find(w =>
        w.node.contains(card)
      );
      const args: Record<string, string> =
        typeof cwd === 'string'
          ? { area: 'main', path: cwd }
          : { area: 'main' };
      run(args, widget => {
        if (widget instanceof Widget && launcher && !launcher.isDisposed) {
          launcher.dispose();
        }
      });
    };
    for (const type of ['mousedown', 'click', 'keydown']) {
      document.addEventListener(type, shadow, true);
    }
  }
};
