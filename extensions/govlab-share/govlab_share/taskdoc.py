"""The task document (README.md) of a shared notebook, in Korean with English alongside."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from .gitpull_rules import pull_link
from .quality.report import readme_line


@dataclass(frozen=True)
class DocMeta:
    """Everything the README and the manifest say about one share (built once per share)."""

    title: str
    description: str
    author: str
    agency: str
    shared_at: str  # ISO time in the configured zone
    ai_model: str
    notebook: str  # repo path of the notebook
    source_path: str  # path under the user's root
    branch: str
    repo_name: str = ""  # project path (nbgitpuller clones into this folder)
    clone_url: str = ""  # http(s) clone URL of the project
    web_url: str = ""
    hub_public_url: str = ""
    # The hub's gallery service (e.g. https://lab.example.go.kr/services/gallery); when
    # set, the README's open link goes through it so that opens are counted.
    gallery_url: str = ""
    thumbnail: str = ""  # repo path of the first plot, "" when none
    keep_outputs: bool = False
    owner: str = ""  # the sharing official's hub user name (the gallery's private listing)
    chats: list = field(default_factory=list)  # [{"source", "file", "transcript", "messages"}]
    extra_files: list = field(default_factory=list)  # [{"source", "file", "size"}]: data, modules
    history: list = field(default_factory=list)  # previous shares, oldest first
    origin: dict | None = None  # {"project", "url"}: the shared project this notebook was pulled from
    quality: dict = field(default_factory=dict)  # the quality check's record (manifest `quality`)


def project_path_of(meta: DocMeta) -> str:
    """`group/project` from the web URL (the gallery's open link names the project so)."""
    if not meta.web_url or not meta.repo_name:
        return ""
    parts = meta.web_url.split("://", 1)[-1].split("/", 1)
    return parts[1].strip("/") if len(parts) == 2 else ""


def open_in_lab_url(meta: DocMeta) -> str:
    """Link that pulls the repo into the reader's own lab and opens the notebook.

    Through the gallery (counted, same nbgitpuller pull) when one is configured,
    else the nbgitpuller link on the hub directly.
    """
    pwn = project_path_of(meta)
    if meta.gallery_url and pwn:
        return f"{meta.gallery_url.rstrip('/')}/open/{quote(pwn, safe='/')}"
    if not (meta.hub_public_url and meta.clone_url and meta.repo_name):
        return ""
    return pull_link(meta.hub_public_url, meta.clone_url, meta.branch, meta.repo_name, meta.notebook)


def _md_escape_line(text: str) -> str:
    # Titles go into a heading: keep them on one line.
    return " ".join(text.split())


def render_readme(meta: DocMeta) -> str:
    link = open_in_lab_url(meta)
    out = [f"# {_md_escape_line(meta.title)}", ""]
    if link:
        out += [f"[**▶ 내 실험실에서 열기 / Open in my lab**]({link})", ""]
    if meta.thumbnail:
        out += [f"![미리보기 / Preview]({_rel(meta.thumbnail)})", ""]
    if meta.origin:
        based_on = f"[{meta.origin['project']}]({meta.origin['url']})"
        out += [f"원본: {based_on} / Based on: {based_on}", ""]
    out += ["## 목적 / Purpose", "", meta.description.strip() or "_(설명 없음 / no description)_", ""]
    out += [
        "## 정보 / About",
        "",
        "| 항목 / Item | 내용 / Value |",
        "|---|---|",
        f"| 작성자 / Author | {_cell(meta.author)} |",
        f"| 기관 / Agency | {_cell(meta.agency)} |",
        f"| 공유 일시 / Shared at | {_cell(meta.shared_at)} |",
        f"| 사용한 AI 모델 / AI model used | {_cell(meta.ai_model)} |",
        f"| 노트북 / Notebook | `{meta.notebook}` |",
        f"| 원본 경로 / Source path | `{meta.source_path}` |",
        f"| 출력 포함 / Outputs kept | {'예 / yes' if meta.keep_outputs else '아니요 / no'} |",
        f"| 재실행 확인 / Re-run check | {_cell(readme_line(meta.quality))} |",
        "",
    ]
    if meta.chats:
        out += ["## AI 대화 기록 / AI chat history", ""]
        for chat in meta.chats:
            out.append(
                f"- [{chat['transcript']}]({_rel(chat['transcript'])}) "
                f"({chat['messages']}개 메시지 / messages; 원본 / raw: `{chat['file']}`)"
            )
        out.append("")
    if meta.extra_files:
        out += ["## 함께 공유한 파일 / Files shared with the notebook", ""]
        for extra in meta.extra_files:
            out.append(f"- [{extra['file']}]({_rel(extra['file'])}) ({extra['size']:,} bytes)")
        out.append("")
    data_note = (
        "3. 노트북이 읽는 파일 중 위 목록에 없는 것은 이 저장소에 들어 있지 않습니다. "
        "필요하면 같은 폴더에 준비하세요. / Files the notebook reads that are not listed above "
        "are not in this repository; place them next to it if needed."
        if meta.extra_files
        else "3. 노트북이 읽는 데이터 파일은 이 저장소에 들어 있지 않을 수 있습니다. "
        "필요하면 같은 폴더에 준비하세요. / Data files the notebook reads may not be in this "
        "repository; place them next to it if needed."
    )
    out += [
        "## 실행 방법 / How to run",
        "",
        "1. JupyterLab에서 노트북을 엽니다. / Open the notebook in JupyterLab.",
        "2. 메뉴에서 **실행 → 모든 셀 실행**을 누릅니다. / Choose **Run → Run All Cells**.",
        data_note,
        "",
        "## 랩에서 열기 / Open in the lab",
        "",
    ]
    if link:
        out += [
            "아래 링크를 누르면 이 저장소가 내 랩으로 복사되고 노트북이 열립니다. "
            "/ The link below copies this repository into your own lab and opens the notebook.",
            "",
            f"[**▶ 랩에서 열기 / Open in lab**]({link})",
            "",
        ]
    else:
        out += [
            "이 저장소를 내려받아(clone) 랩에 올린 뒤 노트북을 엽니다. "
            "/ Clone this repository into your lab and open the notebook.",
            "",
        ]
    if meta.clone_url:
        out += ["```", f"git clone {meta.clone_url}", "```", ""]
    out += [
        "---",
        "",
        "govlab 공유 기능으로 만들어졌습니다. 자세한 정보는 `govlab-manifest.json`을 보세요. "
        "/ Made by the govlab share feature; see `govlab-manifest.json` for details.",
        "",
    ]
    return "\n".join(out)


def _cell(text: str) -> str:
    text = " ".join((text or "").split()).replace("|", "\\|")
    return text or "-"


def _rel(path: str) -> str:
    return quote(path)
