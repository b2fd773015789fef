/**
 * The share dialogs' decisions: the form's starting values, what a submitted
 * form leads to, and which view and buttons a server answer opens.
 */
import type { IChatInfo, IShareContext } from '../api';
import {
  alsoText,
  chatName,
  chatTicked,
  droppedChats,
  errorButtons,
  errorChoice,
  errorMessages,
  errorView,
  formatSize,
  initialFromPrevious,
  initialVisibility,
  IShareFormValue,
  missingChats,
  offersBack,
  orderChats,
  splitFindings,
  stepBudget,
  submission,
  typedFilePath,
  warningNotes
} from '../dialog/logic';

function chat(path: string, linked: boolean, title = ''): IChatInfo {
  return { path, linked, title } as IChatInfo;
}

function context(extra: Partial<IShareContext> = {}): IShareContext {
  return {
    path: '민원분석.ipynb',
    title: '민원 분석',
    default_visibility: 'internal',
    visibilities: ['private', 'internal', 'public'],
    chats: [chat('예산.chat', false), chat('민원분석.chat', true, '민원 질문')],
    previous: null,
    configured: true,
    problem: null,
    ...extra
  } as IShareContext;
}

function value(extra: Partial<IShareFormValue> = {}): IShareFormValue {
  return {
    title: '민원 월별 집계',
    description: '',
    visibility: 'internal',
    chats: [],
    files: [],
    keep_outputs: false,
    ...extra
  };
}

const reshared = (previous: Record<string, unknown>) =>
  context({ previous: previous as unknown as IShareContext['previous'] });

describe('the form starts from the last share', () => {
  it('is empty for a first share', () => {
    expect(initialFromPrevious(context())).toEqual({});
  });

  it('takes title, description, visibility, outputs, chats and files of the last share', () => {
    const ctx = reshared({
      title: '민원 월별 집계',
      description: '매월 집계',
      visibility: 'private',
      keep_outputs: true,
      chats: ['민원분석.chat'],
      files: ['월별.csv']
    });
    expect(initialFromPrevious(ctx)).toEqual({
      title: '민원 월별 집계',
      description: '매월 집계',
      visibility: 'private',
      keep_outputs: true,
      chats: ['민원분석.chat'],
      files: ['월별.csv']
    });
  });

  it('drops a visibility the server no longer offers', () => {
    const ctx = reshared({ title: 't', visibility: 'public' });
    ctx.visibilities = ['private', 'internal'];
    expect(initialFromPrevious(ctx).visibility).toBeUndefined();
    expect(initialVisibility(ctx, {})).toBe('internal');
  });

  it('selects the wanted visibility only when offered, else the first offered', () => {
    expect(initialVisibility(context(), { visibility: 'private' })).toBe(
      'private'
    );
    expect(
      initialVisibility(context({ default_visibility: 'secret' as any }), {})
    ).toBe('private');
    expect(
      initialVisibility(context({ visibilities: [] }), { visibility: 'public' })
    ).toBe('public');
  });

  it("ticks the last share's chats, else the linked ones", () => {
    const linked = chat('a.chat', true);
    const other = chat('b.chat', false);
    expect([chatTicked(linked, {}), chatTicked(other, {})]).toEqual([
      true,
      false
    ]);
    expect([
      chatTicked(linked, { chats: ['b.chat'] }),
      chatTicked(other, { chats: ['b.chat'] })
    ]).toEqual([false, true]);
  });

  it('lists linked chats first and names chats gone from the folder', () => {
    expect(orderChats(context().chats).map(c => c.path)).toEqual([
      '민원분석.chat',
      '예산.chat'
    ]);
    expect(
      missingChats(context(), { chats: ['민원분석.chat', '지난.chat'] })
    ).toEqual(['지난.chat']);
    expect(chatName(context(), '민원분석.chat')).toBe('민원 질문');
    expect(chatName(context(), '폴더/지난.chat')).toBe('지난');
  });
});

describe('a submitted form', () => {
  it("with an empty title is a problem with the server's code, not a share", () => {
    expect(submission(context(), value({ title: '  ' }))).toEqual({
      kind: 'problem',
      code: 'bad_request',
      field: 'title'
    });
  });

  it('that leaves out chats shared before asks first, naming them', () => {
    const ctx = reshared({ title: 't', chats: ['민원분석.chat', '예산.chat'] });
    expect(droppedChats(ctx, value({ chats: ['예산.chat'] }))).toEqual([
      '민원분석.chat'
    ]);
    expect(submission(ctx, value({ chats: ['예산.chat'] }))).toEqual({
      kind: 'confirm-removal',
      removed: ['민원분석.chat']
    });
    expect(
      submission(ctx, value({ chats: ['민원분석.chat', '예산.chat'] }))
    ).toEqual({
      kind: 'share',
      removed: []
    });
  });

  it('adds a typed file relative to the root, ignoring blanks', () => {
    expect(typedFilePath('  //집계/메모.txt ')).toBe('집계/메모.txt');
    expect(typedFilePath('   ')).toBeNull();
    // Bounded on long input: one pass over the leading slashes.
    expect(typedFilePath('/'.repeat(1_000_000) + 'a')).toBe('a');
  });
});

describe('a server answer', () => {
  it('opens the blocked, overwrite or problem view', () => {
    expect(errorView('scan_blocked')).toBe('blocked');
    expect(errorView('remote_changed')).toBe('conflict');
    expect(errorView('not_configured')).toBe('problem');
    expect(errorView('gitlab_unreachable')).toBe('problem');
  });

  it('offers going back to the form only for what the form can fix', () => {
    expect(offersBack('scan_blocked', true)).toBe(true);
    expect(offersBack('too_large', true)).toBe(true);
    expect(offersBack('scan_blocked', false)).toBe(false);
    expect(offersBack('remote_changed', true)).toBe(false);
    expect(offersBack('not_configured', true)).toBe(false);
  });

  it('gives the overwrite view cancel and overwrite, the others close (and back)', () => {
    const hooks = (code: string, back: boolean) =>
      errorButtons(code, back).map(b => `${b.kind}:${b.hook}`);
    expect(hooks('remote_changed', false)).toEqual([
      'cancel:share-cancel',
      'warn:share-overwrite'
    ]);
    expect(hooks('scan_blocked', true)).toEqual([
      'cancel:share-close',
      'ok:share-back'
    ]);
    expect(hooks('not_configured', false)).toEqual(['ok:share-close']);
  });

  it('means overwrite, back or close depending on the button', () => {
    expect(errorChoice('remote_changed', true, false)).toBe('overwrite');
    expect(errorChoice('remote_changed', false, false)).toBe('close');
    expect(errorChoice('scan_blocked', true, true)).toBe('back');
    expect(errorChoice('scan_blocked', false, true)).toBe('close');
    expect(errorChoice('network', true, false)).toBe('close');
  });

  it("shows the official's language first and the other beside it, once", () => {
    const body = {
      code: 'too_large',
      message: '너무 큽니다',
      message_en: 'Too large'
    };
    expect(errorMessages(body, 'ko')).toEqual({
      primary: '너무 큽니다',
      secondary: 'Too large'
    });
    expect(errorMessages(body, 'en')).toEqual({
      primary: 'Too large',
      secondary: '너무 큽니다'
    });
    expect(
      errorMessages({ code: 'x', message: '같음', message_en: '같음' }, 'ko')
    ).toEqual({
      primary: '같음',
      secondary: null
    });
    expect(errorMessages({ code: 'network', message: '' }, 'ko').primary).toBe(
      'network'
    );
  });

  it('puts blocking findings apart from information-only ones', () => {
    const f = (kind: string, blocking?: boolean) => ({
      file: 'a.ipynb',
      kind,
      blocking
    });
    const { blocking, info } = splitFindings([
      f('rrn'),
      f('landline', false),
      f('token', true)
    ]);
    expect(blocking.map(x => x.kind)).toEqual(['rrn', 'token']);
    expect(info.map(x => x.kind)).toEqual(['landline']);
    expect(
      alsoText(['README.md', { location: '대화 2번째 메시지' }, null, {}])
    ).toBe('README.md, 대화 2번째 메시지');
  });
});

describe('the result and the steps', () => {
  it('shows warnings in Korean with English beside them, or English only', () => {
    const warnings = [
      {
        message: '공개 범위를 바꾸지 못했습니다',
        message_en: 'Could not change visibility'
      },
      '원문'
    ];
    expect(warningNotes(warnings, 'ko')).toEqual([
      '공개 범위를 바꾸지 못했습니다 / Could not change visibility',
      '원문'
    ]);
    expect(warningNotes(warnings, 'en')).toEqual([
      'Could not change visibility',
      '원문'
    ]);
    expect(warningNotes(undefined, 'ko')).toEqual([]);
  });

  it('sizes files and budgets steps', () => {
    expect([
      formatSize(512),
      formatSize(2048),
      formatSize(3 * 1024 * 1024)
    ]).toEqual(['512 B', '2.0 KB', '3.0 MB']);
    expect(stepBudget('scan', { scan: 29.6, upload: 90 })).toBe(30);
    expect(stepBudget('done', { scan: 29.6, upload: 90 })).toBe(0);
  });
});
