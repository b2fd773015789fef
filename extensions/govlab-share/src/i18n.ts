/**
 * The extension's texts, through JupyterLab's translator (domain `govlab_share`).
 *
 * msgids are the English texts; the Korean catalogue is
 * `govlab_share/locale/ko_KR/LC_MESSAGES/govlab_share.po`, shipped by our Python
 * package and served by jupyterlab_server, so a lab in Korean (the govlab default)
 * shows Korean and a lab in English shows English. Every text is a literal in a
 * `trans.__()` / `trans._n()` call: a test parses these sources and checks each
 * msgid against the catalogue.
 *
 * `pickLang(translator)` is called once when the plugin activates; the views keep
 * using `strings(lang)` and `visibilityLabel(lang, value)`.
 */
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

/** The translation domain: the name of our catalogue and of its entry point. */
export const DOMAIN = 'govlab_share';

/** Dates, and which half of the server's bilingual messages the views show. */
export type Lang = 'ko' | 'en';

function table(trans: TranslationBundle) {
  return {
    shareLabel: trans.__('Share to GitLab'),
    shareCaption: trans.__(
      'Share the notebook, its AI chats and a task document to GitLab'
    ),
    // A product name: the same in every language.
    shareCategory: 'GovLab',
    dialogTitle: trans.__('Share to GitLab'),
    title: trans.__('Title'),
    description: trans.__('Task description'),
    descriptionPlaceholder: trans.__(
      'Briefly describe the task this notebook solves'
    ),
    visibility: trans.__('Visibility'),
    visibilityHint: {
      private: trans.__('Private (you and invited members)'),
      internal: trans.__('Internal (any signed-in user)'),
      public: trans.__('Public (everyone)')
    } as Record<string, string>,
    chats: trans.__('AI chats to include'),
    noChats: trans.__('No AI chats (.chat) in your work folder.'),
    linkedBadge: trans.__('Linked to this notebook'),
    messagesCount: (n: number) => trans._n('%1 message', '%1 messages', n),
    keepOutputs: trans.__('Include outputs'),
    keepOutputsHint: trans.__(
      'When off, cell outputs are stripped and only code is shared.'
    ),
    scanNote: trans.__(
      'Before anything is sent, the whole bundle is scanned for secrets (tokens, API keys) and personal data (resident registration numbers, phone numbers, ...). If anything is found, nothing is sent.'
    ),
    savedNote: trans.__(
      'The share uses the saved file; unsaved changes are saved first.'
    ),
    previousNote: trans.__(
      'This notebook was shared before. The same GitLab project will be updated:'
    ),
    previousAt: (d: string) => trans.__('Last shared: %1', d),
    share: trans.__('Share'),
    cancel: trans.__('Cancel'),
    close: trans.__('Close'),
    titleRequired: trans.__('Please enter a title.'),
    progressTitle: trans.__('Sharing to GitLab'),
    progressStages: trans.__('Scanning / uploading…'),
    progressHint: trans.__(
      'Scanning for secrets and personal data, then one commit to GitLab.'
    ),
    resultTitle: trans.__('Shared'),
    resultUpdatedTitle: trans.__('Share updated'),
    resultText: trans.__('Send this link to your colleagues.'),
    openLink: trans.__('Open link'),
    copyLink: trans.__('Copy link'),
    copied: trans.__('Copied'),
    commitLink: trans.__('View this commit'),
    filesShared: (n: number) =>
      trans._n('%1 file shared', '%1 files shared', n),
    errorTitle: trans.__('Could not share'),
    notConfiguredTitle: trans.__('Sharing to GitLab is not available'),
    notConfiguredTooltip: trans.__(
      'Sharing to GitLab is not set up yet (관리자가 GitLab 공유를 아직 설정하지 않았습니다)'
    ),
    scanBlockedTitle: trans.__('Sensitive data found: the share was blocked'),
    scanBlockedHint: trans.__(
      'Remove these items from the notebook or chats, save, and share again. Nothing was sent.'
    ),
    remoteChangedTitle: trans.__('Files changed on GitLab'),
    remoteChangedHint: trans.__(
      'These files were changed on GitLab since the last share. Overwriting keeps the old version in the remote history.'
    ),
    overwrite: trans.__('Overwrite'),
    colFile: trans.__('File'),
    colWhere: trans.__('Where'),
    colLine: trans.__('Line'),
    colKind: trans.__('Kind'),
    colExcerpt: trans.__('Excerpt (masked)'),
    cell: (n: number | string) => trans.__('cell %1', n),
    details: trans.__('Details'),
    networkError: trans.__('Could not reach the server.'),
    noNotebook: trans.__('No notebook is open.'),
    extraFiles: trans.__('Files to share with it'),
    extraFilesHint: trans.__(
      "Data files the notebook reads or .py modules it imports can go along (only files in the notebook's folder). They are scanned too."
    ),
    noExtraFiles: trans.__(
      'No files the notebook loads were found. You can add a path below.'
    ),
    reasonImport: trans.__('imported by the notebook'),
    reasonRead: trans.__('read by the notebook'),
    reasonPrevious: trans.__('shared last time'),
    reasonAdded: trans.__('added by you'),
    addFilePlaceholder: trans.__(
      'e.g. analysis/data/complaints.csv (path in your work folder)'
    ),
    addFile: trans.__('Add'),
    chatMissing: trans.__('not in your work folder'),
    removeTitle: trans.__('Remove chats shared before?'),
    removeText: trans.__('These chats will be removed from the repository:'),
    removeHint: trans.__(
      'To keep them, go back to the form and tick them again. The old versions stay in the GitLab history.'
    ),
    removeConfirm: trans.__('Remove and share'),
    backToForm: trans.__('Back to the form'),
    stepScan: trans.__('Scan'),
    stepUpload: trans.__('GitLab upload'),
    stepDone: trans.__('Done'),
    stepState: {
      pending: trans.__('waiting'),
      active: trans.__('running'),
      done: trans.__('done'),
      failed: trans.__('failed')
    } as Record<string, string>,
    elapsed: (s: number, budget: number) =>
      budget > 0
        ? trans.__('%1 s of at most %2 s', s, budget)
        : trans.__('%1 s', s),
    failedStep: (step: string) => trans.__('Failed step: %1', step),
    blockingList: trans.__('Items that blocked the share'),
    noticeList: trans.__('For your information (not blocking)'),
    sameContent: (places: string) => trans.__('(same content: %1)', places),
    resultNotices: trans.__('Please note (the share is done):'),
    galleryLink: trans.__('View in the gallery')
  };
}

type Strings = ReturnType<typeof table>;

// English until the plugin activates (and in tests without a translator).
let bundle: TranslationBundle = nullTranslator.load(DOMAIN);
const tables = new Map<Lang, Strings>();

/**
 * Load our domain from the lab's translator; Korean when the lab's display language
 * is Korean (the catalogue is loaded only then), English otherwise.
 */
export function pickLang(translator?: ITranslator | null): Lang {
  const active = translator ?? nullTranslator;
  bundle = active.load(DOMAIN);
  const code = (active.languageCode ?? '').toLowerCase();
  const lang: Lang = code.startsWith('ko') ? 'ko' : 'en';
  tables.set(lang, table(bundle));
  return lang;
}

/** The bundle of our domain, for texts outside the table (api.ts, index.ts). */
export function trans(): TranslationBundle {
  return bundle;
}

export function strings(lang: Lang): Strings {
  let found = tables.get(lang);
  if (!found) {
    found = table(lang === 'en' ? nullTranslator.load(DOMAIN) : bundle);
    tables.set(lang, found);
  }
  return found;
}

/** Visibility labels: Korean with the English word (from the catalogue), or English only. */
export function visibilityLabel(lang: Lang, value: string): string {
  const t = lang === 'en' ? nullTranslator.load(DOMAIN) : bundle;
  const names: Record<string, string> = {
    private: t.__('Private'),
    internal: t.__('Internal'),
    public: t.__('Public')
  };
  return names[value] ?? value;
}

export type { Strings };
