"""govlab 실습 노트북의 '확인(check)' 셀이 쓰는 작은 도우미입니다.

Tiny helper used by the check cells of the govlab starter notebooks.
It never touches the network; it only compares values and prints a short
Korean message telling the learner whether the exercise is right. With
`exercise="02-1/3"` it also records the result in `~/.govlab/progress.json`
so that the trainer's `govlab workshop status` shows progress per seat.

사용 예 (usage)::

    from govlab_check import check
    check(
        (answer == 6, "합계가 6이 되어야 합니다."),
        answers=[answer],
        exercise="01-1/3",  # 01번 노트북의 연습 3개 중 1번 (진도 기록용)
    )
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SUCCESS = "정답입니다! 🎉"
RETRY = "다시 확인해 보세요"

Condition = bool | Callable[[], Any]

# "02-1/3": notebook 02, exercise 1 of 3. Bounded: ids come from notebooks a learner can edit.
EXERCISE_RE = re.compile(r"([0-9A-Za-z_]{1,20})-([0-9]{1,3})/([0-9]{1,3})")
PROGRESS_ENV = "GOVLAB_PROGRESS"  # tests point this elsewhere; labs use the default
PROGRESS_PATH = Path(".govlab") / "progress.json"
MAX_PROGRESS_BYTES = 64 * 1024
MAX_EXERCISES = 200


def progress_file() -> Path:
    """진도 기록 파일 위치 (where progress is recorded): ~/.govlab/progress.json."""
    return Path(os.environ.get(PROGRESS_ENV) or Path.home() / PROGRESS_PATH)


def _load_progress(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_PROGRESS_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        return {}
    return {k: v for k, v in results.items() if isinstance(v, dict)}  # the learner may have edited it


def record(exercise: str, passed: bool) -> None:
    """확인 결과를 진도 파일에 남깁니다 (exercise: "02-1/3").

    Writes atomically (temp file + rename) so the trainer never reads half a file, keeps
    only the latest result per exercise, and never fails the learner's cell.
    """
    match = EXERCISE_RE.fullmatch(exercise or "")
    if not match:
        return
    notebook, number, total = match.group(1), int(match.group(2)), int(match.group(3))
    path = progress_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        results = _load_progress(path)
        results[f"{notebook}-{number}"] = {
            "notebook": notebook,
            "exercise": number,
            "of": total,
            "passed": bool(passed),
            "at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
        if len(results) > MAX_EXERCISES:
            results = dict(sorted(results.items(), key=lambda kv: str(kv[1].get("at", "")))[-MAX_EXERCISES:])
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "results": results}, f, ensure_ascii=False)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # progress is a convenience for the trainer; the learner's check still counts


def is_blank(value: Any) -> bool:
    """연습 빈칸(`...`)이 아직 그대로인지 알려 줍니다."""
    if value is Ellipsis:
        return True
    if isinstance(value, str) and value.strip() in ("", "..."):
        return True
    return False


def _evaluate(condition: Condition) -> tuple[bool, str | None]:
    """조건을 평가합니다. 함수면 호출하고, 오류는 한국어 설명으로 바꿉니다."""
    try:
        result = condition() if callable(condition) else condition
        return bool(result), None
    except Exception as exc:  # 학습자 코드의 오류를 친절하게 보여 주기 위해
        return False, f"확인하는 중 오류가 났어요 ({type(exc).__name__}: {exc})"


def check(*rules: tuple[Condition, str], answers: Iterable[Any] = (), exercise: str | None = None) -> None:
    """규칙을 모두 확인하고 결과를 한국어로 출력합니다.

    rules: (조건, 힌트) 쌍. 조건은 True/False 또는 인자 없는 함수(lambda)입니다.
           함수로 주면 답이 비어 있을 때 생기는 오류도 안전하게 처리합니다.
    answers: 학습자가 채워야 하는 값들. 하나라도 `...`이면 빈칸 안내를 합니다.
    exercise: "02-1/3" 처럼 주면 결과를 진도 파일에 남겨 강사가 볼 수 있습니다.
    결과는 화면에 글로만 보여 줍니다 (확인 칸에 True/False가 찍히지 않도록 None을 돌려줌).
    """
    if any(is_blank(a) for a in answers):
        print(f"{RETRY}: 아직 빈칸(...)이 남아 있어요. `...` 자리를 여러분의 코드로 바꿔 보세요.")
        if exercise:
            record(exercise, False)
        return
    problems = []
    for condition, hint in rules:
        ok, error = _evaluate(condition)
        if not ok:
            problems.append(f"{hint} [{error}]" if error else hint)
    if exercise:
        record(exercise, not problems)
    if problems:
        print(f"{RETRY}: " + problems[0])
        for more in problems[1:]:
            print(f"  - {more}")
        return
    print(SUCCESS)


def close(a: Any, b: Any, tol: float = 1e-6) -> bool:
    """두 숫자가 (반올림 오차 안에서) 같은지 확인합니다."""
    try:
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    except (TypeError, ValueError):
        return False


# 공유 전에 자주 걸리는 개인정보 모양 (교육용으로 단순화한 규칙입니다).
# 실제 공유 버튼의 검사는 더 정교합니다(주민등록번호 검증번호 확인 등).
PERSONAL_PATTERNS = {
    "주민등록번호": re.compile(r"(?<!\d)\d{6}-?[1-4]\d{6}(?!\d)"),
    "휴대전화번호": re.compile(r"(?<!\d)01[016789]-?\d{3,4}-?\d{4}(?!\d)"),
    "카드번호": re.compile(r"(?<!\d)\d{4}-\d{4}-\d{4}-\d{4}(?!\d)"),
}


def personal_data_findings(frame: Any) -> list[str]:
    """표(DataFrame)의 모든 칸에서 개인정보처럼 보이는 값을 찾아 목록으로 돌려줍니다."""
    findings = []
    for column in frame.columns:
        for row, value in frame[column].items():
            text = str(value)
            for kind, pattern in PERSONAL_PATTERNS.items():
                if pattern.search(text):
                    findings.append(f"{kind}: '{column}' 열 {row}행")
    return findings
