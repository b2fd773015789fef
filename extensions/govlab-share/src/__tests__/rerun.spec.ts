/**
 * When a notebook from the gallery counts as re-run: all code cells, without error,
 * in one kernel session, reported once per session.
 */
import { RerunTracker } from '../rerunlogic';

const CELLS = ['a', 'b', 'c'];

describe('RerunTracker', () => {
  it('reports once when every code cell has run in one session', () => {
    const t = new RerunTracker();
    expect(t.executed('k1', 'a', true, CELLS)).toBeNull();
    expect(t.executed('k1', 'b', true, CELLS)).toBeNull();
    expect(t.executed('k1', 'c', true, CELLS)).toBe('k1');
    // Running all again in the same session is not another re-run.
    for (const id of CELLS) {
      expect(t.executed('k1', id, true, CELLS)).toBeNull();
    }
  });

  it('does not count a cell that failed until it runs without error', () => {
    const t = new RerunTracker();
    t.executed('k1', 'a', true, CELLS);
    t.executed('k1', 'b', false, CELLS);
    expect(t.executed('k1', 'c', true, CELLS)).toBeNull();
    expect(t.executed('k1', 'b', true, CELLS)).toBe('k1');
  });

  it('starts over in a new kernel session or after a restart', () => {
    const t = new RerunTracker();
    t.executed('k1', 'a', true, CELLS);
    t.executed('k1', 'b', true, CELLS);
    expect(t.executed('k2', 'c', true, CELLS)).toBeNull(); // a and b ran in k1
    t.restarted();
    t.executed('k2', 'a', true, CELLS);
    t.executed('k2', 'b', true, CELLS);
    expect(t.executed('k2', 'c', true, CELLS)).toBe('k2');
    expect(t.executed('k3', 'a', true, ['a'])).toBe('k3'); // a new session counts again
  });

  it('counts cells added later and never an empty notebook or no kernel', () => {
    const t = new RerunTracker();
    t.executed('k1', 'a', true, ['a', 'b']);
    expect(t.executed('k1', 'b', true, ['a', 'b', 'new'])).toBeNull();
    expect(t.executed('k1', 'x', true, [])).toBeNull();
    expect(t.executed('', 'a', true, ['a'])).toBeNull();
  });
});
