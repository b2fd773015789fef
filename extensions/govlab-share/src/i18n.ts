/**
 * Our own small ko/en string table.
 *
 * The ko-KR language pack only covers JupyterLab's own strings, so the share
 * extension carries its texts here. Korean is the default; English is used
 * when the lab's display language is English.
 */
import { ITranslator } from '@jupyterlab/translation';

export type Lang = 'ko' | 'en';

const ko = {
  shareLabel: 'GitLab에 공유',
  shareCaption: '노트북, AI 대화 기록, 과제 문서를 GitLab에 공유합니다',
  shareCategory: 'GovLab',
  dialogTitle: 'GitLab에 공유',
  title: '제목',
  description: '과제 설명',
  descriptionPlaceholder:
    '이 노트북이 어떤 업무 과제를 해결하는지 짧게 적어 주세요',
  visibility: '공개 범위',
  visibilityHint: {
    private: '비공개 (나와 초대한 사람만)',
    internal: '내부 (로그인한 사용자)',
    public: '공개 (누구나)'
  } as Record<string, string>,
  chats: '포함할 AI 대화',
  noChats: '작업 폴더에 AI 대화(.chat)가 없습니다.',
  linkedBadge: '이 노트북과 연결됨',
  messagesCount: (n: number) => `메시지 ${n}개`,
  keepOutputs: '출력 결과 포함',
  keepOutputsHint: '끄면 셀 실행 결과를 지우고 코드만 공유합니다.',
  scanNote:
    '보내기 전에 공유 묶음 전체를 비밀정보(토큰, API 키)와 개인정보(주민등록번호, 전화번호 등)에 대해 검사합니다. 발견되면 아무것도 보내지 않습니다.',
  savedNote:
    '공유는 저장된 파일을 기준으로 합니다. 저장하지 않은 변경은 먼저 저장됩니다.',
  previousNote:
    '이 노트북은 이미 공유되었습니다. 같은 GitLab 프로젝트를 업데이트합니다:',
  previousAt: (d: string) => `마지막 공유: ${d}`,
  share: '공유',
  cancel: '취소',
  close: '닫기',
  titleRequired: '제목을 입력해 주세요.',
  progressTitle: 'GitLab에 공유하는 중',
  progressStages: '검사 중 / 업로드 중…',
  progressHint:
    '비밀정보·개인정보를 검사한 뒤 GitLab에 한 번의 커밋으로 올립니다.',
  resultTitle: '공유 완료',
  resultUpdatedTitle: '공유 업데이트 완료',
  resultText: '아래 링크를 동료에게 보내세요.',
  openLink: '링크 열기',
  copyLink: '링크 복사',
  copied: '복사됨',
  commitLink: '이번 커밋 보기',
  filesShared: (n: number) => `공유된 파일 ${n}개`,
  errorTitle: '공유하지 못했습니다',
  notConfiguredTitle: 'GitLab 공유를 사용할 수 없습니다',
  scanBlockedTitle: '민감한 정보가 발견되어 공유를 막았습니다',
  scanBlockedHint:
    '아래 항목을 노트북이나 대화에서 지우고 저장한 뒤 다시 공유하세요. 아무것도 전송되지 않았습니다.',
  remoteChangedTitle: 'GitLab의 파일이 바뀌었습니다',
  remoteChangedHint:
    '마지막 공유 이후 GitLab에서 아래 파일이 변경되었습니다. 덮어쓰면 GitLab의 기록(history)에는 이전 버전이 남습니다.',
  overwrite: '덮어쓰기',
  colFile: '파일',
  colWhere: '위치',
  colLine: '줄',
  colKind: '종류',
  colExcerpt: '내용 (일부 가림)',
  cell: (n: number | string) => `셀 ${n}`,
  details: '자세히',
  networkError: '서버에 연결하지 못했습니다.',
  noNotebook: '열린 노트북이 없습니다.'
};

type Strings = typeof ko;

const en: Strings = {
  shareLabel: 'Share to GitLab',
  shareCaption:
    'Share the notebook, its AI chats and a task document to GitLab',
  shareCategory: 'GovLab',
  dialogTitle: 'Share to GitLab',
  title: 'Title',
  description: 'Task description',
  descriptionPlaceholder: 'Briefly describe the task this notebook solves',
  visibility: 'Visibility',
  visibilityHint: {
    private: 'Private (you and invited members)',
    internal: 'Internal (any signed-in user)',
    public: 'Public (everyone)'
  },
  chats: 'AI chats to include',
  noChats: 'No AI chats (.chat) in your work folder.',
  linkedBadge: 'Linked to this notebook',
  messagesCount: (n: number) => `${n} message${n === 1 ? '' : 's'}`,
  keepOutputs: 'Include outputs',
  keepOutputsHint:
    'When off, cell outputs are stripped and only code is shared.',
  scanNote:
    'Before anything is sent, the whole bundle is scanned for secrets (tokens, API keys) and personal data (resident registration numbers, phone numbers, ...). If anything is found, nothing is sent.',
  savedNote: 'The share uses the saved file; unsaved changes are saved first.',
  previousNote:
    'This notebook was shared before. The same GitLab project will be updated:',
  previousAt: (d: string) => `Last shared: ${d}`,
  share: 'Share',
  cancel: 'Cancel',
  close: 'Close',
  titleRequired: 'Please enter a title.',
  progressTitle: 'Sharing to GitLab',
  progressStages: 'Scanning / uploading…',
  progressHint:
    'Scanning for secrets and personal data, then one commit to GitLab.',
  resultTitle: 'Shared',
  resultUpdatedTitle: 'Share updated',
  resultText: 'Send this link to your colleagues.',
  openLink: 'Open link',
  copyLink: 'Copy link',
  copied: 'Copied',
  commitLink: 'View this commit',
  filesShared: (n: number) => `${n} file${n === 1 ? '' : 's'} shared`,
  errorTitle: 'Could not share',
  notConfiguredTitle: 'Sharing to GitLab is not available',
  scanBlockedTitle: 'Sensitive data found: the share was blocked',
  scanBlockedHint:
    'Remove these items from the notebook or chats, save, and share again. Nothing was sent.',
  remoteChangedTitle: 'Files changed on GitLab',
  remoteChangedHint:
    'These files were changed on GitLab since the last share. Overwriting keeps the old version in the remote history.',
  overwrite: 'Overwrite',
  colFile: 'File',
  colWhere: 'Where',
  colLine: 'Line',
  colKind: 'Kind',
  colExcerpt: 'Excerpt (masked)',
  cell: (n: number | string) => `cell ${n}`,
  details: 'Details',
  networkError: 'Could not reach the server.',
  noNotebook: 'No notebook is open.'
};

/** Korean unless the lab's display language is English. */
export function pickLang(translator?: ITranslator | null): Lang {
  const code = (translator?.languageCode ?? '').toLowerCase();
  return code.startsWith('en') ? 'en' : 'ko';
}

export function strings(lang: Lang): Strings {
  return lang === 'en' ? en : ko;
}

/** Visibility labels: Korean with the English word, or English only. */
export function visibilityLabel(lang: Lang, value: string): string {
  const koNames: Record<string, string> = {
    private: '비공개',
    internal: '내부',
    public: '공개'
  };
  const enNames: Record<string, string> = {
    private: 'Private',
    internal: 'Internal',
    public: 'Public'
  };
  if (lang === 'en') {
    return enNames[value] ?? value;
  }
  return koNames[value] ? `${koNames[value]} (${enNames[value]})` : value;
}

export type { Strings };
