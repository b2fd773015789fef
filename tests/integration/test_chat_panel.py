"""The chat panel in the Korean lab (Chromium, real hub and lab, the loopback model server):
its strings are Korean, a new chat is named after the notebook and the date, and the
status bar shows whether the model answers.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from tests.integration.test_browser import ARTIFACTS, dismiss_dialogs, sign_in
from tests.model_server import text
from tests.support.chat import GOVLAB
from tests.support.hub import base_settings, hub_with_lab

pytestmark = [pytest.mark.hub, pytest.mark.browser]

USER = "jiho"
NOTEBOOK = "민원분석.ipynb"
STATUS = ".govlab-model-status"
NEW_CHAT_BUTTON = ".jp-chat-sidepanel .jp-toolbar .jp-chat-add, .jp-chat-sidepanel .jp-Toolbar .jp-chat-add"
CACHE_SECONDS = 30  # govlab_share.model_status.CACHE_SECONDS
MODEL_KEY = "sk-chat-panel-key-5678"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, model_server_session):
    workdir = tmp_path_factory.mktemp("chat-panel-hub")
    settings = base_settings(
        workdir / "state",
        llm=model_server_session.llm_settings("GOVLAB_TEST_MODEL_KEY"),
    )
    with hub_with_lab(workdir, settings, USER, env={"GOVLAB_TEST_MODEL_KEY": MODEL_KEY}) as running:
        yield running


def _chat_files(hub) -> list[str] | None:
    """The .chat files in the lab's root; None while a listing races a rename (404)."""
    response = hub.lab("GET", USER, "/api/contents/", token=hub.user_token)
    if response.status_code != 200:
        return None
    return sorted(item["name"] for item in response.json()["content"] if item["name"].endswith(".chat"))


def _wait_for_chat_files(hub, expected: list[str], timeout: float = 30) -> list[str] | None:
    """The .chat files once they are `expected`, or what is there after `timeout`.

    jupyterlab-chat creates untitled.chat and then renames it to the name asked for,
    so a listing can see the untitled file for a moment: wait for the final names.
    """
    deadline = time.time() + timeout
    names = _chat_files(hub)
    while names != expected and time.time() < deadline:
        time.sleep(0.3)
        names = _chat_files(hub)
    return names


def _open_chat_panel(page) -> None:
    page.locator(".jp-SideBar [data-id='JupyterlabChat:sidepanel']").first.click()
    page.locator(".jp-chat-sidepanel").wait_for(state="visible")


def test_korean_chat_panel_named_chats_and_model_status(hub, page, model_server):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell("print('민원')"))
    assert hub.put_file(USER, NOTEBOOK, nb, token=hub.user_token).status_code == 201
    assert _chat_files(hub) == []

    console: list[str] = []  # the lab's errors, for the failure messages below
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    sign_in(page, hub, USER)
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/chat-panel/tree/{NOTEBOOK}")
    page.locator(f".lm-TabBar-tab.jp-mod-current:has-text('{NOTEBOOK}')").wait_for()

    # The status bar: the lab's server asked the model server (GET /v1/models).
    status = page.locator(STATUS)
    status.wait_for()
    page.wait_for_function(
        "s => document.querySelector(s)?.textContent.includes('AI 연결됨')", arg=STATUS, timeout=30_000
    )
    assert status.inner_text() == "AI 연결됨 / AI connected"
    probes = [r for r in model_server.requests if r["method"] == "GET" and r["path"].endswith("/models")]
    assert probes and probes[0]["authorization"] == f"Bearer {MODEL_KEY}"  # the key stays server-side

    # The chat panel speaks Korean where jupyterlab-chat said "New chat", "No chat opened".
    _open_chat_panel(page)
    panel = page.locator(".jp-chat-sidepanel")
    add = page.locator(NEW_CHAT_BUTTON).first
    add.wait_for()
    assert "새 대화" in add.inner_text()
    assert panel.locator("[title='새 대화 만들기']").count() >= 1  # the button's tooltip
    panel_text = panel.inner_text()
    assert "열린 대화가 없습니다" in panel_text
    assert "New chat" not in panel_text and "No chat opened" not in panel_text

    # "새 대화" creates a chat named after the notebook and today's date, and opens it.
    today = page.evaluate(
        "() => { const d = new Date(); const p = n => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }"
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", today)
    # The empty panel's own "새 대화" button (the placeholder) for the first chat...
    panel.locator(".jp-chat-placeholder-hint .jp-chat-add").click()
    first = f"민원분석 대화 {today}.chat"
    assert _wait_for_chat_files(hub, [first]) == [first], console[-10:]

    # The opened chat's input: the Korean placeholder instead of "Type a chat message...".
    textarea = panel.locator("textarea").first
    textarea.wait_for()
    placeholder = textarea.get_attribute("placeholder") or ""
    assert placeholder.startswith("메시지를 입력하세요"), placeholder

    # ...the toolbar's for the second: the same day, a name of its own, not the first chat again.
    page.locator(NEW_CHAT_BUTTON).first.click()
    second = f"민원분석 대화 {today} (2).chat"
    names = _wait_for_chat_files(hub, sorted([first, second]))
    assert names == sorted([first, second]), names
    assert not any(n.startswith("untitled") for n in names)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-panel-korean.png"))

    # The model server stops: once the server's 30 s cache expires, the status bar says so.
    model_server.stop()
    time.sleep(CACHE_SECONDS + 1)
    page.reload()
    page.locator(STATUS).wait_for()
    page.wait_for_function(
        "s => document.querySelector(s)?.textContent.includes('AI 응답 없음')", arg=STATUS, timeout=30_000
    )
    assert page.locator(STATUS).inner_text() == "AI 응답 없음 / AI not answering"
    assert "관리자" in (page.locator(STATUS).get_attribute("title") or "")


def test_status_bar_says_no_model_without_an_endpoint(lab_hub, page):
    """The shared test hub has only litellm's mock model (no llm.base_url): "no model"."""
    lab_hub.create_user("sora")
    sign_in(page, lab_hub, "sora")
    page.wait_for_function(
        "s => document.querySelector(s)?.textContent.includes('AI 미설정')", arg=STATUS, timeout=30_000
    )
    status = page.locator(STATUS)
    assert status.inner_text() == "AI 미설정 / no model"
    assert "관리자" in (status.get_attribute("title") or "")


def _new_chat_name(hub, before: list[str], timeout: float = 30) -> str:
    """The one .chat file that appeared since `before`, once it has its final name.

    jupyterlab-chat creates untitled.chat and then renames it, so an untitled file is
    only final if it is still there at the timeout (then the naming did not happen).
    """
    deadline = time.time() + timeout
    new: list[str] = []
    while time.time() < deadline:
        names = _chat_files(hub)
        if names is not None:
            new = sorted(set(names) - set(before))
            assert len(new) <= 1, new
            if new and not new[0].startswith("untitled"):
                return new[0]
        time.sleep(0.3)
    if new:
        return new[0]
    raise AssertionError(f"no new chat file; still {before}")


def test_launcher_file_menu_and_file_browser_name_new_chats_too(hub, page):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells.append(nbformat.v4.new_code_cell("print('민원')"))
    assert hub.put_file(USER, NOTEBOOK, nb, token=hub.user_token).status_code in (200, 201)
    sign_in(page, hub, USER)
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/chat-names-elsewhere/tree/{NOTEBOOK}")
    page.locator(f".lm-TabBar-tab.jp-mod-current:has-text('{NOTEBOOK}')").wait_for()
    page.wait_for_timeout(1000)
    dismiss_dialogs(page)  # a kernel notice must not sit over the menus
    today = page.evaluate(
        "() => { const d = new Date(); const p = n => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }"
    )
    named = re.compile(rf"민원분석 대화 {today}( \(\d+\))?\.chat")
    ARTIFACTS.mkdir(exist_ok=True)

    # The Launcher's chat card (jupyterlab-chat's own, "대화").
    before = _chat_files(hub) or []
    page.locator("#jp-menu-panel").get_by_text("파일", exact=True).first.click()
    page.locator(".lm-Menu-item[data-command='launcher:create']").first.click()
    card = page.locator(".jp-LauncherCard").filter(
        has=page.locator(".jp-LauncherCard-label", has_text=re.compile(r"^\s*대화\s*$"))
    )
    card.first.click()
    from_launcher = _new_chat_name(hub, before)
    assert named.fullmatch(from_launcher), from_launcher
    # The launcher gives way to the chat, as it does for a notebook.
    page.locator(f".lm-TabBar-tab:has-text('{from_launcher[: -len('.chat')]}')").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "chat-name-launcher.png"))

    # File > New: our item only (jupyterlab-chat's "대화" item is disabled by our schema).
    before = _chat_files(hub) or []
    page.locator("#jp-menu-panel").get_by_text("파일", exact=True).first.click()
    page.locator(".lm-Menu-item[data-type='submenu']").first.hover()
    new_menu = page.locator(".lm-Menu").last
    new_menu.locator(".lm-Menu-item[data-command='govlab-share:new-chat']").wait_for()
    assert new_menu.locator(".lm-Menu-item[data-command='jupyterlab-chat:createAndOpen']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "chat-name-file-menu.png"))
    new_menu.locator(".lm-Menu-item[data-command='govlab-share:new-chat']").click()
    from_menu = _new_chat_name(hub, before)
    assert named.fullmatch(from_menu) and from_menu != from_launcher, from_menu

    # The file browser's context menu ("새 대화" in the folder).
    before = _chat_files(hub) or []
    listing = page.locator(".jp-FileBrowser .jp-DirListing-content").first
    if not listing.is_visible():  # the tab toggles: open the file browser only if closed
        page.locator(".jp-SideBar [data-id='filebrowser']").first.click()
    listing.wait_for(state="visible")
    box = listing.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5, button="right")
    context = page.locator(".lm-Menu").last
    context.locator(".lm-Menu-item[data-command='govlab-share:new-chat-in-folder']").wait_for()
    assert context.locator(".lm-Menu-item[data-command='jupyterlab-chat:create-in-folder']").count() == 0
    context.locator(".lm-Menu-item[data-command='govlab-share:new-chat-in-folder']").click()
    from_browser = _new_chat_name(hub, before)
    assert named.fullmatch(from_browser) and from_browser not in (from_launcher, from_menu), from_browser

    names = _chat_files(hub) or []
    assert len(names) == len(set(names)) and not any(n.startswith("untitled") for n in names), names
    page.screenshot(path=str(ARTIFACTS / "chat-name-everywhere.png"))


def test_command_palette_entry_names_new_chats_too(hub, page):
    """jupyterlab-chat's own palette entry "새 대화 만들기", by Enter and by click."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    assert hub.put_file(USER, NOTEBOOK, nb, token=hub.user_token).status_code in (200, 201)
    errors: list[str] = []  # the lab's, for the failure messages below
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, hub, USER)
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/chat-names-palette/tree/{NOTEBOOK}")
    page.locator(f".lm-TabBar-tab.jp-mod-current:has-text('{NOTEBOOK}')").wait_for()
    tab = page.locator(f".lm-TabBar-tab:has-text('{NOTEBOOK}')").first
    page.wait_for_timeout(1000)
    dismiss_dialogs(page)
    today = page.evaluate(
        "() => { const d = new Date(); const p = n => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }"
    )
    named = re.compile(rf"민원분석 대화 {today}( \(\d+\))?\.chat")
    item = ".lm-CommandPalette-item[data-command='jupyterlab-chat:createAndOpen']"

    def open_palette() -> None:
        tab.click()  # focus on the notebook, not on an input that keeps the shortcut
        page.keyboard.press("Control+Shift+C")
        page.locator(".lm-CommandPalette-input").first.wait_for()
        # Browsed, not searched: Lumino's palette search starts matches only at ASCII word
        # characters, so no all-Korean item (this one: "대화" / "새 대화 만들기") is ever found.
        page.locator(item).first.wait_for()
        assert page.locator(item).first.inner_text().strip() == "새 대화 만들기"

    # Enter on the entry, made the active item with the arrow keys as an official would.
    before = _chat_files(hub) or []
    open_palette()
    # One entry for a new chat: ours is not added beside it any more.
    assert page.locator(".lm-CommandPalette-item[data-command='govlab-share:new-chat']").count() == 0
    page.locator(".lm-CommandPalette-input").first.focus()  # the arrows go to the palette
    active_command = (
        "() => new Promise(done => requestAnimationFrame(() => done("
        "document.querySelector('.lm-CommandPalette-item.lm-mod-active')?.dataset.command ?? null)))"
    )
    seen = []
    for _ in range(400):  # the palette lists a few hundred commands
        page.keyboard.press("ArrowDown")
        seen.append(page.evaluate(active_command))
        if seen[-1] == "jupyterlab-chat:createAndOpen":
            break
    assert seen[-1] == "jupyterlab-chat:createAndOpen", (len(seen), seen[:5], seen[-5:])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-name-palette.png"))
    page.keyboard.press("Enter")
    by_enter = _new_chat_name(hub, before)
    assert named.fullmatch(by_enter), (by_enter, errors[-5:])
    # The palette closed and the chat opened, as jupyterlab-chat's entry does.
    page.locator(f".lm-TabBar-tab:has-text('{by_enter[: -len('.chat')]}')").first.wait_for()
    assert not page.locator(".lm-CommandPalette-input").first.is_visible()

    # A click on the entry.
    before = _chat_files(hub) or []
    open_palette()
    page.locator(item).first.click()
    by_click = _new_chat_name(hub, before)
    assert named.fullmatch(by_click) and by_click != by_enter, by_click

    names = _chat_files(hub) or []
    assert not any(n.startswith("untitled") for n in names), names


# -- no English left in the chat panel (issue 10) ------------------------------------------
PERSONAS_EVENT = "https://schema.jupyter.org/jupyter_ai_persona_manager/personas/v1"
PERSONA_STATE_EVENT = "https://schema.jupyter.org/jupyter_ai_persona_manager/persona_state/v1"
# jupyter-ai 3.2's persona controls (@jupyter-ai/persona-manager) write these in English,
# without a translation domain: the persona picker, the stop button, the token usage.
PERSONA_MANAGER_ENGLISH = {
    "Choose which persona to message",
    "Loading personas",
    "No one",
    "Stop generating",
    "More controls",
    "No matches",
    "Model",
    "Default",
    "Usage",
    "Context",
    "Session tokens",
    "Input",
    "Output",
    "Cache read",
    "Cache write",
    "Thinking",
    "Session cost",
    "Session cost (est.)",
    "Estimated at API list prices",
}
# ...and these start a longer English label ("Session tokens: 1.2k", "1,234 tokens").
ENGLISH_PREFIXES = ("Session tokens:", "Context:", "Context ", "Cost:")
ENGLISH_SUFFIXES = (" tokens",)
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# Every visible text node, and every title / aria-label / placeholder of a visible element,
# in the chat widgets and in the popups they open (menus, the usage card, tooltips).
WALK_JS = """
() => {
  const roots = Array.from(document.querySelectorAll(
    '.jp-chat-sidepanel, .jp-lab-chat-main-panel, .MuiPopover-root, .MuiPopper-root, [role=tooltip]'));
  const shown = el => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const found = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.nodeValue || '').trim();
      if (text && shown(n.parentElement)) found.push(['text', text]);
    }
    for (const el of [root, ...root.querySelectorAll('[title], [aria-label], [placeholder]')]) {
      if (!shown(el)) continue;
      for (const attr of ['title', 'aria-label', 'placeholder']) {
        const value = (el.getAttribute(attr) || '').trim();
        if (value) found.push([attr, value]);
      }
    }
  }
  return found;
}
"""


def _known_english() -> set[str]:
    """jupyterlab-chat's msgids (English whenever a Korean one is missing) and jupyter-ai's
    hard-coded strings, each checked to be in the installed JavaScript."""
    from tests.support.jsmsgids import bundle_files, msgids

    chat = {m for m in msgids("jupyterlab-chat-extension") if "\x04" not in m and len(m) > 1}
    assert len(chat) > 50, "jupyterlab-chat's msgids not found: has the bundle format changed?"
    persona_js = "".join(p.read_text(encoding="utf-8") for p in bundle_files("@jupyter-ai/persona-manager"))
    gone = sorted(s for s in PERSONA_MANAGER_ENGLISH if f'"{s}"' not in persona_js)
    assert not gone, f"@jupyter-ai/persona-manager no longer has {gone}: update this list"
    return chat | PERSONA_MANAGER_ENGLISH


def _english_left(found: list[list[str]], english: set[str]) -> list[list[str]]:
    left = []
    for kind, value in found:
        for line in value.splitlines():
            line = line.strip()
            head, sep, _ = line.partition(" / ")
            if sep and HANGUL.search(head):
                continue  # a "Korean / English" pair we render on purpose
            if line in english or line.startswith(ENGLISH_PREFIXES) or line.endswith(ENGLISH_SUFFIXES):
                left.append([kind, line])
    return left


def _event(frame) -> dict:
    import json

    try:
        event = json.loads(frame if isinstance(frame, str) else frame.decode())
    except (ValueError, UnicodeDecodeError):
        return {}
    return event if isinstance(event, dict) else {}


def test_no_english_left_in_the_chat_panel_after_an_answer(hub, page, model_server):
    english = _known_english()
    frames: list[dict] = []  # the lab's events (jupyter-ai's persona list and state)

    def watch(ws) -> None:
        if "/api/events/subscribe" in ws.url:
            ws.on("framereceived", lambda payload: frames.append(_event(payload)))

    page.on("websocket", watch)
    path = "영문점검.chat"
    assert hub.put_file(USER, path, "{}", token=hub.user_token).status_code in (200, 201)
    answer_text = "민원 분류는 이렇게 합니다. 첫째, 유형별로 나눕니다."
    model_server.script([text(answer_text, chunks=6, delay=0.2)])
    sign_in(page, hub, USER)
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/no-english/tree/{path}")
    chat = page.locator(".jp-lab-chat-main-panel").first
    box = chat.locator(".jp-chat-input-container textarea").first
    box.wait_for()
    # The persona controls render once the chat's persona list arrived (a message sent
    # before reaches no persona).
    chat.locator(".jp-jai-personaControls-group").first.wait_for(state="attached", timeout=60_000)
    deadline = time.time() + 30
    while not any(e.get("schema_id", e.get("__schema__")) == PERSONAS_EVENT for e in frames) and time.time() < deadline:
        page.wait_for_timeout(200)
    offered = [e for e in frames if e.get("schema_id", e.get("__schema__")) == PERSONAS_EVENT]
    assert offered and all(len(e.get("personas", [])) == 1 for e in offered), offered
    chat_id = offered[-1]["chat_id"]

    box.fill("민원 분류는 어떻게 하나요?")
    box.press("Enter")
    chat.get_by_text(answer_text).first.wait_for(timeout=60_000)
    assert len(model_server.completions) == 1  # it reached our persona

    def english_left() -> list[list[str]]:
        found = page.evaluate(WALK_JS)
        assert any(v == answer_text for _, v in found)  # the walk sees the panel
        return _english_left(found, english)

    left = english_left()
    assert not left, f"English left in the chat panel after an answer: {left}"

    # One persona offered: the picker is a label naming who answers; no menu opens (it
    # would offer jupyter-ai's "No one" beside it: one wrong click, the next question
    # goes to nobody).
    picker = chat.locator(".jp-jai-personaControls-persona-btn").first
    assert picker.is_visible() and picker.inner_text().strip() == "AI 도우미"
    assert not chat.locator(".jp-jai-personaControls-persona-btn .jp-jai-personaControls-arrow").first.is_visible()
    picker.dispatch_event("click")
    picker.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert page.locator(".jp-jai-controlMenu-name").count() == 0, "the persona menu opened"

    # Token usage as a persona reports it (jupyter-ai's own event; the govlab persona
    # reports none today): the chip and its card.
    usage = {"total_tokens": 1234, "input_tokens": 1000, "output_tokens": 234}
    sent = hub.lab(
        "POST",
        USER,
        "/api/events",
        token=hub.user_token,
        json={
            "schema_id": PERSONA_STATE_EVENT,
            "version": "1",
            "data": {"chat_id": chat_id, "persona_id": GOVLAB, "usage": usage},
        },
    )
    assert sent.status_code == 204, sent.text
    chip = chat.locator(".jp-jai-usage-chip").first
    chip.wait_for(timeout=30_000)
    chip.click()
    card = page.locator(".jp-jai-usage-card").first
    card.wait_for()
    page.wait_for_timeout(500)  # one frame for our labels
    card_text = card.text_content() or ""  # the DOM text (the card upper-cases a label)
    for label in ("세션 토큰 / Session tokens", "입력 / Input", "출력 / Output"):
        assert label in card_text, card_text
    assert "1.23k" in card_text and "234" in card_text, card_text  # the numbers untouched
    assert (chip.get_attribute("title") or "").startswith("세션 토큰 / Session tokens: "), chip.get_attribute("title")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-panel-no-english.png"))

    left = english_left()
    assert not left, f"English left in the chat panel with token usage: {left}"
