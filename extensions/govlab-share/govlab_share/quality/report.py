"""The quality check's line in the task document (README), Korean with English alongside."""

from __future__ import annotations


def _date(checked_at: str) -> str:
    return (checked_at or "")[:10]


def readme_line(quality: dict | None) -> str:
    """E.g. "재실행 확인됨 2026-12-01, 12초 / Re-run checked 2026-12-01, 12 s"."""
    q = quality or {}
    state = q.get("state")
    if state == "skipped":
        reason = " ".join(str(q.get("reason") or "").split())
        return f"재실행 확인 생략: {reason} / Re-run check skipped: {reason}"
    if state == "passed":
        day, secs = _date(q.get("checked_at", "")), round(float(q.get("seconds") or 0))
        return f"재실행 확인됨 {day}, {secs}초 / Re-run checked {day}, {secs} s"
    if state in ("failed", "timeout"):
        cell = q.get("failing_cell") or {}
        index = cell.get("index")
        where_ko = f"셀 {index + 1}" if isinstance(index, int) else "커널 시작"
        where_en = f"cell {index + 1}" if isinstance(index, int) else "kernel start"
        if state == "timeout":
            limit = q.get("time_limit")
            what_ko, what_en = f"제한 시간 {limit}초 초과", f"time limit of {limit} s exceeded"
        else:
            ename, evalue = cell.get("ename") or "", " ".join(str(cell.get("evalue") or "").split())[:200]
            what_ko = what_en = f"{ename}: {evalue}" if evalue else ename
            if q.get("missing_module"):
                what_ko = f"{what_ko} ('{q['missing_module']}' 모듈 없음)"
                what_en = f"{what_en} (module '{q['missing_module']}' missing)"
        return f"재실행 확인 실패: {where_ko}, {what_ko} / Re-run check failed: {where_en}, {what_en}"
    return "재실행 확인 안 함 / not checked"
