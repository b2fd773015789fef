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
  notConfiguredTooltip:
    '관리자가 GitLab 공유를 아직 설정하지 않았습니다 / Sharing to GitLab is not set up yet',
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
  noNotebook: '열린 노트북이 없습니다.',
  extraFiles: '함께 공유할 파일',
  extraFilesHint:
    '노트북이 읽는 데이터 파일이나 불러오는 .py 모듈을 함께 올릴 수 있습니다 (노트북 폴더 안의 파일만). 함께 올린 파일도 검사합니다.',
  noExtraFiles: '노트북이 불러오는 파일을 찾지 못했습니다. 아래에 경로를 직접 추가할 수 있습니다.',
  reasonImport: '노트북이 불러옴 / imported by the notebook',
  reasonRead: '노트북이 읽음 / read by the notebook',
  reasonPrevious: '지난번에 공유함 / shared last time',
  reasonAdded: '직접 추가함 / added by you',
  addFilePlaceholder: '예: analysis/data/민원.csv (작업 폴더 기준 경로)',
  addFile: '추가',
  chatMissing: '작업 폴더에 없음',
  removeTitle: '공유했던 대화를 삭제할까요? / Remove chats shared before?',
  removeText:
    '다음 대화를 GitLab 저장소에서 삭제합니다 / These chats will be removed from the repository:',
  removeHint:
    '남기려면 "양식으로 돌아가기"를 누르고 대화를 다시 선택하세요. 삭제해도 GitLab의 기록(history)에는 이전 버전이 남습니다.',
  removeConfirm: '삭제하고 공유 / Remove and share',
  backToForm: '양식으로 돌아가기 / Back to the form',
  stepScan: '검사 (scan)',
  stepUpload: 'GitLab 업로드 (upload)',
  stepDone: '완료 (done)',
  stepState: {
    pending: '대기',
    active: '진행 중',
    done: '완료',
    failed: '실패'
  } as Record<string, string>,
  elapsed: (s: number, budget: number) =>
    budget > 0 ? `${s}초 / 최대 ${budget}초` : `${s}초`,
  failedStep: (step: string) => `실패한 단계 / Failed step: ${step}`,
  blockingList: '공유를 막은 항목',
  noticeList: '참고 (공유는 막지 않음) / For your information',
  sameContent: (places: string) => `(같은 내용: ${places})`,
  resultNotices: '참고할 내용이 있습니다 (공유는 완료됨):',
  galleryLink: '갤러리에서 보기 / View in the gallery'
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
  notConfiguredTooltip:
    'Sharing to GitLab is not set up yet (관리자가 GitLab 공유를 아직 설정하지 않았습니다)',
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
  noNotebook: 'No notebook is open.',
  extraFiles: 'Files to share with it',
  extraFilesHint:
    "Data files the notebook reads or .py modules it imports can go along (only files in the notebook's folder). They are scanned too.",
  noExtraFiles:
    'No files the notebook loads were found. You can add a path below.',
  reasonImport: 'imported by the notebook',
  reasonRead: 'read by the notebook',
  reasonPrevious: 'shared last time',
  reasonAdded: 'added by you',
  addFilePlaceholder: 'e.g. analysis/data/complaints.csv (path in your work folder)',
  addFile: 'Add',
  chatMissing: 'not in your work folder',
  removeTitle: 'Remove chats shared before?',
  removeText: 'These chats will be removed from the repository:',
  removeHint:
    'To keep them, go back to the form and tick them again. The old versions stay in the GitLab history.',
  removeConfirm: 'Remove and share',
  backToForm: 'Back to the form',
  stepScan: 'Scan',
  stepUpload: 'GitLab upload',
  stepDone: 'Done',
  stepState: {
    pending: 'waiting',
    active: 'running',
    done: 'done',
    failed: 'failed'
  },
  elapsed: (s: number, budget: number) =>
    budget > 0 ? `${s} s of at most ${budget} s` : `${s} s`,
  failedStep: (step: string) => `Failed step: ${step}`,
  blockingList: 'Items that blocked the share',
  noticeList: 'For your information (not blocking)',
  sameContent: (places: string) => `(same content: ${places})`,
  resultNotices: 'Please note (the share is done):',
  galleryLink: 'View in the gallery'
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
