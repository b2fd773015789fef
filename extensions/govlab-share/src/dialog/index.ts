/**
 * The share dialogs, one module per view: the form, the chat-removal confirmation,
 * the progress steps, the scan-blocked and overwrite views inside the error
 * dialog, and the result. `logic.ts` holds their state and decisions (jest-tested).
 */
export {
  chatName,
  droppedChats,
  ErrorChoice,
  formatSize,
  initialFromPrevious,
  IShareFormValue,
  Step,
  submission
} from './logic';
export { ShareForm, showShareForm } from './form';
export { confirmChatRemoval } from './remove';
export { ShareProgress, StepsView } from './progress';
export { showProblem, showShareError } from './error';
export { showResult } from './result';
export { qualityForShare, runQualityCheck } from './quality';
export {
  qualityField,
  qualityEnabled,
  qualityTimeLimit,
  skipReasonProblem
} from './qualitylogic';
export { qualityStrings } from './qualitystrings';
