"""What the official reads about a failed check: Korean first, English alongside,
and what to do next. Cell numbers count from 1, as the notebook shows them."""

from __future__ import annotations

import re

MAX_EVALUE = 500
# Bounded: a dotted module name of at most 200 characters.
_MISSING = re.compile(r"No module named '([\w.]{1,200})'")
_ANSI = re.compile(r"\x1b\[[0-9;]{0,20}[A-Za-z]")


def clean(text: str, limit: int = MAX_EVALUE) -> str:
    text = _ANSI.sub("", (text or "")[: limit * 4])
    return text[:limit]


def missing_module(ename: str, evalue: str) -> str | None:
    """The top-level module a ModuleNotFoundError names, else None."""
    if ename != "ModuleNotFoundError":
        return None
    m = _MISSING.search(evalue[:1000])
    return m.group(1).split(".", 1)[0] if m else None


def failure(index: int | None, ename: str, evalue: str, *, time_limit: int = 0) -> dict:
    """{"ko", "en"} for the failing cell at `index` (0-based in the notebook's cells)."""
    where_ko = f"셀 {index + 1}" if index is not None else "커널 시작"
    where_en = f"Cell {index + 1}" if index is not None else "Kernel start"
    module = missing_module(ename, evalue)
    if ename == "Timeout":
        return {
            "ko": f"{where_ko}이(가) 제한 시간({time_limit}초) 안에 끝나지 않았습니다. 오래 걸리는 부분을 줄이거나 "
            "무한 반복이 없는지 확인한 뒤 다시 점검하세요.",
            "en": f"{where_en} did not finish within the time limit ({time_limit} s). Shorten the slow part or look "
            "for an endless loop, then check again.",
        }
    if ename == "StdinNotImplementedError":
        return {
            "ko": f"{where_ko}이(가) input()으로 입력을 기다립니다. 점검 중에는 입력할 수 없으니 값을 셀에 직접 "
            "적은 뒤 다시 점검하세요.",
            "en": f"{where_en} waits for input(). The check cannot type an answer: write the value into the cell, "
            "then check again.",
        }
    if module:
        return {
            "ko": f"{where_ko}: 이 랩에 '{module}' 모듈이 없습니다. 패키지를 설치하거나(예: %pip install {module}) "
            "그 셀을 고친 뒤 다시 점검하세요.",
            "en": f"{where_en}: the module '{module}' is not installed in this lab. Install the package (e.g. "
            f"%pip install {module}) or change the cell, then check again.",
        }
    if ename == "DeadKernelError":
        return {
            "ko": f"{where_ko}을(를) 실행하는 중 커널이 멈췄습니다(메모리 부족 등). 데이터를 줄여 다시 점검하세요.",
            "en": f"The kernel died while running {where_en.lower()} (out of memory?). Use less data and check again.",
        }
    if ename == "NoSuchKernel":
        return {
            "ko": f"노트북의 커널({evalue})이 이 랩에 없습니다. 노트북의 커널을 바꾼 뒤 다시 점검하세요.",
            "en": f"The notebook's kernel ({evalue}) is not available in this lab. Change the notebook's kernel, "
            "then check again.",
        }
    detail = f"{ename}: {evalue}" if evalue else ename
    return {
        "ko": f"{where_ko}에서 오류가 났습니다: {detail}. 셀을 고친 뒤 다시 점검하세요.",
        "en": f"{where_en} raised an error: {detail}. Fix the cell, then check again.",
    }
