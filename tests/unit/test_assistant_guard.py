"""The privacy guard on outgoing messages: what it finds, masks and says; its cost."""

from __future__ import annotations

import asyncio
import time

import pytest

from govlab.assistant.guard import Part, check, check_async, mask_text, notice

RRN = "900101-1234568"  # resident registration number, valid check digit (fictitious)
QUESTION = '판다스로 CSV 파일을 읽어 합계를 구하고 싶어요. df = pd.read_csv("data.csv", encoding="cp949")\n'


def message(text: str) -> list[Part]:
    return [Part("body", text, "메시지", "message")]


def test_a_resident_number_is_found_and_the_notice_shows_it_masked():
    result = check(message(f"민원인 주민번호는 {RRN} 입니다"))
    assert not result.clean
    (found,) = result.found
    assert found.finding.kind == "resident_registration_number"
    text = notice(result)
    assert RRN not in text
    assert "주민등록번호" in text and "메시지, 1번째 줄" in text and "message, line 1" in text
    assert "보내지 않았습니다" in text and "was not sent" in text
    assert "다시 보내 주세요" in text  # what to do next


def test_a_finding_in_an_attachment_names_the_attachment():
    parts = message("이 셀을 설명해줘") + [Part("context", f"x = 1\ny = '{RRN}'", "첨부 파일", "attachment")]
    result = check(parts)
    assert [f.part.key for f in result.found] == ["context"]
    assert "첨부 파일, 2번째 줄" in notice(result)


def test_mask_mode_masks_every_blocking_value_and_keeps_the_rest():
    result = check(message(f"주민번호 {RRN}, 유선 02-2100-3000 문의"))
    sent = result.masked["body"]
    assert RRN not in sent and "주민번호 90" in sent and "*" * 8 in sent
    # Landlines are information only: neither a finding nor masked.
    assert "02-2100-3000" in sent
    assert [f.finding.kind for f in result.found] == ["resident_registration_number"]


def test_an_ordinary_question_is_clean_and_unchanged():
    result = check(message(QUESTION))
    assert result.clean
    assert result.masked["body"] == QUESTION


def test_mask_text_for_tool_results():
    masked, findings = mask_text(f"print('{RRN}')")
    assert RRN not in masked and findings


def test_a_1_mb_message_is_scanned_off_the_loop_within_its_bound():
    big = QUESTION * (1_000_000 // len(QUESTION)) + f"\n주민번호 {RRN}"

    async def run():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        started = time.perf_counter()
        result = await check_async(message(big), bound=20)
        task.cancel()
        return result, time.perf_counter() - started, ticks

    result, elapsed, ticks = asyncio.run(run())
    assert [f.finding.kind for f in result.found] == ["resident_registration_number"]
    assert elapsed < 20
    # The event loop kept running while the scan ran in its thread (a scan on the loop
    # would leave the ticker at 0 ticks; the thread shares the GIL and a loaded CI
    # machine, so only a small share of the 10 ms ticks is required).
    assert ticks >= max(1, int(elapsed / 0.01) // 20)


def test_a_scan_past_its_bound_holds_the_message_back():
    big = QUESTION * 20_000
    result = asyncio.run(check_async(message(big), bound=0.0001))
    assert result.timed_out and not result.clean
    assert "너무 오래 걸렸습니다" in notice(result)


@pytest.mark.parametrize("size", [4_000_001])
def test_a_message_too_large_to_scan_is_held_back(size):
    result = check(message("가" * size))
    assert result.too_large and "너무 큽니다" in notice(result)
