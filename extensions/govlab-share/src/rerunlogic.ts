/**
 * When a notebook counts as re-run (reuse figures): every code cell executed without
 * error in one kernel session since the notebook was opened. Pure logic (no
 * JupyterLab import) so that jest can check it; src/reuse.ts feeds it the lab's events.
 */
export class RerunTracker {
  private _session = '';
  private _succeeded = new Set<string>();
  private _reported = new Set<string>();

  /** A kernel (re)start or change: what ran before does not count. */
  resetSession(session: string): void {
    if (session !== this._session) {
      this._session = session;
      this._succeeded.clear();
    }
  }

  /** A restart keeps the kernel's id but loses its state. */
  restarted(): void {
    this._succeeded.clear();
  }

  /**
   * One code cell finished. Returns the session to report when this run completes
   * the notebook for the first time in that session, else null.
   */
  executed(
    session: string,
    cellId: string,
    success: boolean,
    codeCellIds: readonly string[]
  ): string | null {
    this.resetSession(session);
    if (success) {
      this._succeeded.add(cellId);
    } else {
      this._succeeded.delete(cellId);
    }
    if (!session || this._reported.has(session) || codeCellIds.length === 0) {
      return null;
    }
    if (!codeCellIds.every(id => this._succeeded.has(id))) {
      return null;
    }
    this._reported.add(session);
    return session;
  }
}
