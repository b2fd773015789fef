/**
 * The quality check's decisions in the share dialog: what is sent, what a job's
 * status means, when polling stops, and which request count is shown.
 */
import {
  bilingualMessage,
  DEFAULT_TIME_LIMIT,
  failureOf,
  IQualityStatus,
  MAX_SKIP_REASON,
  pollExpired,
  POLL_MARGIN,
  progressFigures,
  qualityEnabled,
  qualityField,
  qualityOutcome,
  qualityTimeLimit,
  requestsLine,
  skipReasonProblem
} from '../dialog/qualitylogic';

function status(extra: Partial<IQualityStatus> = {}): IQualityStatus {
  return {
    state: 'running',
    done: 0,
    cells: 12,
    current: 0,
    elapsed: 0,
    result: null,
    ...extra
  };
}

describe('the section', () => {
  it('is shown unless the lab says checks are off', () => {
    expect(qualityEnabled(undefined)).toBe(true);
    expect(qualityEnabled(null)).toBe(true);
    expect(qualityEnabled({})).toBe(true);
    expect(qualityEnabled({ enabled: true })).toBe(true);
    expect(qualityEnabled({ enabled: false })).toBe(false);
  });

  it("takes the lab's time limit, else the default", () => {
    expect(qualityTimeLimit({ time_limit: 120 })).toBe(120);
    expect(qualityTimeLimit({})).toBe(DEFAULT_TIME_LIMIT);
    expect(qualityTimeLimit({ time_limit: -5 })).toBe(DEFAULT_TIME_LIMIT);
    expect(qualityTimeLimit({ time_limit: 'x' as unknown as number })).toBe(
      DEFAULT_TIME_LIMIT
    );
  });

  it('needs a reason of 1 to 500 characters to skip', () => {
    expect(skipReasonProblem('')).toBe('empty');
    expect(skipReasonProblem('   \n ')).toBe('empty');
    expect(skipReasonProblem('내부망 데이터')).toBeNull();
    expect(skipReasonProblem('가'.repeat(MAX_SKIP_REASON))).toBeNull();
    expect(skipReasonProblem('가'.repeat(MAX_SKIP_REASON + 1))).toBe('long');
    // A megabyte of text is judged at once, not sent.
    expect(skipReasonProblem('a'.repeat(1 << 20))).toBe('long');
  });
});

describe('what the share request carries', () => {
  it('is absent when the section was not shown (recorded as not checked)', () => {
    expect(qualityField(undefined, null)).toBeUndefined();
  });

  it("is the check's job id when it ran", () => {
    expect(qualityField({ check: true }, 'job-1')).toEqual({ check: 'job-1' });
  });

  it('is the trimmed reason when skipped', () => {
    expect(
      qualityField({ check: false, reason: '  내부망 데이터 \n' }, null)
    ).toEqual({ skipped: '내부망 데이터' });
  });

  it('never carries more than 500 characters of reason', () => {
    const field = qualityField(
      { check: false, reason: 'x'.repeat(1 << 20) },
      null
    ) as { skipped: string };
    expect(field.skipped.length).toBe(MAX_SKIP_REASON);
  });
});

describe('progress', () => {
  it('names the cell running now, 1-based, of all code cells', () => {
    expect(
      progressFigures(status({ done: 2, cells: 12, elapsed: 8.7 }))
    ).toEqual({ cell: 3, cells: 12, seconds: 8 });
  });

  it('never names a cell past the last one', () => {
    expect(progressFigures(status({ done: 12, cells: 12 })).cell).toBe(12);
  });

  it('has no cell for a notebook without code', () => {
    expect(progressFigures(status({ done: 0, cells: 0 })).cell).toBe(0);
  });

  it('stops polling past the time limit plus a margin', () => {
    expect(pollExpired(60, 60)).toBe(false);
    expect(pollExpired(60 + POLL_MARGIN, 60)).toBe(false);
    expect(pollExpired(60 + POLL_MARGIN + 1, 60)).toBe(true);
  });
});

describe('outcomes', () => {
  const passed = {
    passed: true,
    seconds: 11.6,
    failing_cell: null,
    missing_module: null
  };

  it('running stays running', () => {
    expect(qualityOutcome(status()).kind).toBe('running');
  });

  it('passed gives the run time in whole seconds', () => {
    expect(qualityOutcome(status({ state: 'passed', result: passed }))).toEqual(
      {
        kind: 'passed',
        seconds: 12
      }
    );
  });

  it('a "passed" state with a failed result is a failure', () => {
    const result = { ...passed, passed: false };
    expect(qualityOutcome(status({ state: 'passed', result })).kind).toBe(
      'failed'
    );
  });

  it('failed names the cell, the error and the missing module', () => {
    const result = {
      passed: false,
      seconds: 3,
      failing_cell: {
        index: 2,
        ename: 'ModuleNotFoundError',
        evalue: "No module named 'geopandas'",
        message: { ko: '모듈이 없습니다', en: 'A module is missing' }
      },
      missing_module: 'geopandas'
    };
    const outcome = qualityOutcome(status({ state: 'failed', result }));
    expect(outcome).toEqual({
      kind: 'failed',
      seconds: 3,
      timedOut: false,
      failure: {
        cell: 3,
        error: "ModuleNotFoundError: No module named 'geopandas'",
        ko: '모듈이 없습니다',
        en: 'A module is missing',
        missingModule: 'geopandas'
      }
    });
  });

  it('a timeout is a failure that says so', () => {
    const outcome = qualityOutcome(
      status({ state: 'timeout', elapsed: 61, result: null })
    );
    expect(outcome).toMatchObject({
      kind: 'failed',
      timedOut: true,
      seconds: 61
    });
  });

  it('cancelled goes back', () => {
    expect(qualityOutcome(status({ state: 'cancelled' })).kind).toBe(
      'cancelled'
    );
  });

  it('bounds a huge error text', () => {
    const failure = failureOf({
      passed: false,
      seconds: 1,
      failing_cell: {
        index: 0,
        ename: 'ValueError',
        evalue: 'x'.repeat(1 << 20)
      },
      missing_module: null
    });
    expect(failure.error.length).toBeLessThan(700);
    expect(failure.cell).toBe(1);
  });
});

describe('the request count', () => {
  it('shows nothing for a notebook never shared', () => {
    expect(requestsLine({ project: null })).toBeNull();
    expect(requestsLine(null)).toBeNull();
  });

  it('shows the open count and the gallery link', () => {
    expect(
      requestsLine({
        project: 'g/p',
        open: 3,
        closed: 1,
        url: 'https://hub.example/gallery/p/g/p#requests'
      })
    ).toEqual({ open: 3, url: 'https://hub.example/gallery/p/g/p#requests' });
  });

  it('never links to a script URL', () => {
    expect(
      requestsLine({ project: 'g/p', open: 1, url: 'javascript:alert(1)' })
    ).toEqual({ open: 1, url: '' });
  });

  it('ignores a malformed count', () => {
    expect(requestsLine({ project: 'g/p', open: -1 })).toBeNull();
    expect(
      requestsLine({ project: 'g/p', open: '3' as unknown as number })
    ).toEqual({ open: 3, url: '' });
  });
});

describe('server error bodies', () => {
  it('reads the contract shape', () => {
    expect(
      bilingualMessage({ message: { ko: '없음', en: 'Missing' } })
    ).toEqual({
      ko: '없음',
      en: 'Missing',
      code: ''
    });
  });

  it("reads the share routes' shape", () => {
    expect(
      bilingualMessage({
        error: { code: 'bad_path', message: '경로', message_en: 'Path' }
      })
    ).toEqual({ ko: '경로', en: 'Path', code: 'bad_path' });
  });

  it('is null for anything else', () => {
    expect(bilingualMessage('oops')).toBeNull();
    expect(bilingualMessage({ message: 'plain' })).toBeNull();
  });
});
