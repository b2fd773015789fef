/**
 * @govlab/share: share the open notebook, its AI chats and a task document
 * to GitLab in one click (see docs/share-api.md for the server routes).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, IToolbarWidgetRegistry } from '@jupyterlab/apputils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';
import { LabIcon, ToolbarButton } from '@jupyterlab/ui-components';

import {
  fetchContext,
  fetchStatus,
  IShareRequest,
  postCheck,
  postShare,
  ShareError
} from './api';
import {
  chatName,
  confirmChatRemoval,
  droppedChats,
  ErrorChoice,
  initialFromPrevious,
  IShareFormValue,
  qualityForShare,
  qualityStrings,
  qualityTimeLimit,
  ShareProgress,
  showProblem,
  showResult,
  showShareError,
  showShareForm,
  skipReasonProblem,
  StepsView
} from './dialog';
import { Lang, pickLang, strings, trans } from './i18n';

const PLUGIN_ID = '@govlab/share:plugin';

/** Command ids. */
export namespace CommandIDs {
  export const share = 'govlab-share:share';
}

/** Name of the notebook toolbar item (see schema/plugin.json). */
const TOOLBAR_ITEM = 'govlab-share';

const SHARE_ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M18 16.08c-.76 0-1.44.3-1.96.77L8.91 12.7c.05-.23.09-.46.09-.7s-.04-.47-.09-.7l7.05-4.11A2.99 2.99 0 0 0 21 5a3 3 0 1 0-5.91.7L8.04 9.81A3 3 0 1 0 8.04 14.19l7.12 4.16c-.05.21-.08.43-.08.65A2.92 2.92 0 1 0 18 16.08z"/>
  </g>
</svg>`;

export const shareToGitLabIcon = new LabIcon({
  name: 'govlab-share:share',
  svgstr: SHARE_ICON_SVG
});

/** Settings as read from schema/plugin.json. */
interface IShareSettings {
  rememberVisibility: boolean;
  lastVisibility: string;
  keepOutputsDefault: boolean;
}

const DEFAULT_SETTINGS: IShareSettings = {
  rememberVisibility: true,
  lastVisibility: '',
  keepOutputsDefault: false
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Share a notebook, its jupyter-ai chats and a task document to GitLab.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [
    ITranslator,
    ICommandPalette,
    IMainMenu,
    ISettingRegistry,
    IToolbarWidgetRegistry
  ],
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    mainMenu: IMainMenu | null,
    settingRegistry: ISettingRegistry | null,
    toolbarRegistry: IToolbarWidgetRegistry | null
  ) => {
    const lang: Lang = pickLang(translator);
    const t = strings(lang);
    let settings: ISettingRegistry.ISettings | null = null;
    // Asked once, before any notebook toolbar is made: a lab without GitLab gets a
    // disabled button that says why. Unknown (no answer) keeps the button usable:
    // the share itself then explains.
    const sharingOn = await sharingConfigured();

    const readSettings = (): IShareSettings => ({
      ...DEFAULT_SETTINGS,
      ...((settings?.composite as Partial<IShareSettings> | undefined) ?? {})
    });

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          settings = loaded;
        })
        .catch(reason => {
          console.warn(`${PLUGIN_ID}: could not load settings`, reason);
        });
    }

    /** The notebook the command acts on: by path if given, else the current one. */
    const findPanel = (path?: string): NotebookPanel | null => {
      if (path) {
        const match = tracker.find(p => p.context.path === path);
        if (match) {
          return match;
        }
      }
      return tracker.currentWidget;
    };

    let busy = false;

    app.commands.addCommand(CommandIDs.share, {
      label: t.shareLabel,
      caption: sharingOn ? t.shareCaption : t.notConfiguredTooltip,
      icon: args => (args.isPalette ? undefined : shareToGitLabIcon),
      isEnabled: () => sharingOn && !busy && tracker.currentWidget !== null,
      execute: async args => {
        if (busy) {
          return;
        }
        const panel = findPanel(args.path as string | undefined);
        if (!panel) {
          await showProblem(t.errorTitle, t.noNotebook, lang, 'no_notebook');
          return;
        }
        busy = true;
        app.commands.notifyCommandChanged(CommandIDs.share);
        try {
          await shareNotebook(panel, lang, readSettings(), async visibility => {
            const current = readSettings();
            if (settings && current.rememberVisibility) {
              await settings.set('lastVisibility', visibility);
            }
          });
        } finally {
          busy = false;
          app.commands.notifyCommandChanged(CommandIDs.share);
        }
      }
    });

    tracker.currentChanged.connect(() => {
      app.commands.notifyCommandChanged(CommandIDs.share);
    });

    // Notebook toolbar button: icon and label. The item itself is declared in
    // schema/plugin.json ("jupyter.lab.toolbars") so users can move or hide it.
    const makeButton = (panel: NotebookPanel) =>
      new ToolbarButton({
        icon: shareToGitLabIcon,
        label: t.shareLabel,
        tooltip: sharingOn ? t.shareCaption : t.notConfiguredTooltip,
        enabled: sharingOn,
        className: 'jp-govlab-ShareButton',
        dataset: {
          govlab: 'share-button',
          sharing: sharingOn ? 'on' : 'not-configured'
        },
        onClick: () => {
          void app.commands.execute(CommandIDs.share, {
            path: panel.context.path
          });
        }
      });
    if (toolbarRegistry) {
      toolbarRegistry.addFactory<NotebookPanel>(
        'Notebook',
        TOOLBAR_ITEM,
        makeButton
      );
    } else {
      // No toolbar registry (unusual): add the button to each new notebook.
      tracker.widgetAdded.connect((_, panel) => {
        panel.toolbar.insertItem(10, TOOLBAR_ITEM, makeButton(panel));
      });
    }

    if (palette) {
      palette.addItem({
        command: CommandIDs.share,
        category: t.shareCategory,
        args: { isPalette: true }
      });
    }

    if (mainMenu) {
      mainMenu.fileMenu.addGroup([{ command: CommandIDs.share }], 40);
    }
  }
};

/** Whether the lab has sharing set up; true when the server does not answer in time. */
async function sharingConfigured(): Promise<boolean> {
  const timeout = new Promise<null>(resolve =>
    setTimeout(() => resolve(null), 5000)
  );
  try {
    const status = await Promise.race([fetchStatus(), timeout]);
    return status === null || status.configured !== false;
  } catch (reason) {
    console.warn(`${PLUGIN_ID}: could not read the sharing status`, reason);
    return true;
  }
}

/**
 * The share flow: save, read the context, ask (starting from the last share),
 * confirm chat removals, check (scan), share (upload), show the outcome.
 * A fixable error goes back to the filled form.
 */
async function shareNotebook(
  panel: NotebookPanel,
  lang: Lang,
  prefs: IShareSettings,
  rememberVisibility: (visibility: string) => Promise<void>
): Promise<void> {
  const t = strings(lang);
  const context = panel.context;
  await context.ready;

  // The server reads the saved file, so save unsaved changes first.
  if (context.model.dirty && !context.model.readOnly) {
    await context.save();
  }
  const path = context.localPath;

  let shareContext;
  try {
    shareContext = await fetchContext(path);
  } catch (err) {
    await reportError(err, lang);
    return;
  }
  if (!shareContext.configured) {
    await showProblem(
      t.notConfiguredTitle,
      shareContext.problem || t.notConfiguredTitle,
      lang,
      'not_configured'
    );
    return;
  }

  const initial: Partial<IShareFormValue> = {
    keep_outputs: prefs.keepOutputsDefault
  };
  if (
    prefs.rememberVisibility &&
    prefs.lastVisibility &&
    shareContext.visibilities.includes(prefs.lastVisibility)
  ) {
    initial.visibility = prefs.lastVisibility;
  }
  // A re-share starts from what was shared last time: what is sent is what is seen.
  Object.assign(initial, initialFromPrevious(shareContext));
  const budgets = shareContext.budgets ?? { scan: 0, upload: 0 };

  let value: IShareFormValue | null = null;
  for (;;) {
    value = await showShareForm(shareContext, lang, {
      ...initial,
      ...(value ?? {})
    });
    if (!value) {
      return;
    }
    if (!value.title) {
      await showProblem(t.errorTitle, t.titleRequired, lang, 'bad_request');
      continue;
    }
    if (
      value.quality?.check === false &&
      skipReasonProblem(value.quality.reason)
    ) {
      const why = qualityStrings(lang).reasonRequired;
      await showProblem(t.errorTitle, why, lang, 'bad_request');
      continue;
    }
    const removed = droppedChats(shareContext, value);
    if (
      removed.length &&
      !(await confirmChatRemoval(
        removed.map(c => chatName(shareContext, c)),
        lang
      ))
    ) {
      continue; // back to the form to tick them again
    }

    // The quality check runs before anything is sent; cancelling returns to the form.
    const quality = await qualityForShare(
      value.quality,
      shareContext.path || path,
      lang,
      qualityTimeLimit(shareContext.quality_check)
    );
    if (quality === 'back') {
      continue;
    }
    void rememberVisibility(value.visibility).catch(reason =>
      console.warn(`${PLUGIN_ID}: could not save the visibility`, reason)
    );
    const request: IShareRequest = {
      path: shareContext.path || path,
      title: value.title,
      description: value.description,
      visibility: value.visibility,
      chats: value.chats,
      files: value.files,
      remove_chats: removed,
      keep_outputs: value.keep_outputs,
      force: false,
      ...(quality.field ? { quality: quality.field } : {})
    };
    const choice = await runSteps(request, lang, budgets, quality.note);
    if (choice !== 'back') {
      return;
    }
  }
}

/** Step 1 /check, step 2 /share, step 3 the link; 'back' to return to the form. */
async function runSteps(
  request: IShareRequest,
  lang: Lang,
  budgets: { scan: number; upload: number },
  note = ''
): Promise<ErrorChoice | 'done'> {
  const progress = new ShareProgress(lang, budgets, note);
  const steps = progress.steps;
  try {
    steps.start('scan');
    await postCheck(request, undefined, waitLimit(budgets.scan));
    steps.finish('scan');
  } catch (err) {
    steps.fail('scan');
    progress.close();
    return reportError(err, lang, steps);
  }
  let choice = await runUpload(request, lang, progress, budgets, note);
  if (choice === 'overwrite' && !request.force) {
    request.force = true; // the scan passed already: only the upload again
    const again = new ShareProgress(lang, budgets, note);
    again.steps.finish('scan');
    choice = await runUpload(request, lang, again, budgets, note);
  }
  return choice === 'overwrite' ? 'close' : choice;
}

/** Step 2 and 3: the upload, then the link. */
async function runUpload(
  request: IShareRequest,
  lang: Lang,
  progress: ShareProgress,
  budgets: { scan: number; upload: number },
  note = ''
): Promise<ErrorChoice | 'done'> {
  const steps = progress.steps;
  try {
    steps.start('upload');
    const result = await postShare(
      request,
      undefined,
      waitLimit(budgets.scan + budgets.upload)
    );
    steps.finish('upload');
    steps.finish('done');
    progress.close();
    await showResult(result, lang, note);
    return 'done';
  } catch (err) {
    steps.fail('upload');
    progress.close();
    return reportError(err, lang, steps);
  }
}

/** How long the dialog waits for a step: its budget plus a margin (0: unbounded). */
function waitLimit(budget: number): number {
  return budget > 0 ? Math.ceil(budget + 30) : 0;
}

/** Show an error; resolves with the official's choice. */
async function reportError(
  err: unknown,
  lang: Lang,
  steps: StepsView | null = null
): Promise<ErrorChoice> {
  if (err instanceof ShareError) {
    return showShareError(err, lang, { steps, canGoBack: steps !== null });
  }
  console.error(`${PLUGIN_ID}: share failed`, err);
  return showShareError(
    new ShareError(0, {
      code: 'client_error',
      message: trans().__('An unexpected error happened while sharing.'),
      message_en: `Unexpected error while sharing: ${String(err)}`
    }),
    lang,
    { steps, canGoBack: steps !== null }
  );
}

// The assistant's plugins live in their own modules (chat names, model status).
import assistantPlugins from './assistant';
// Re-runs of notebooks opened from the gallery (reuse figures).
import { reusePlugin } from './reuse';

export default [plugin, ...assistantPlugins, reusePlugin];
