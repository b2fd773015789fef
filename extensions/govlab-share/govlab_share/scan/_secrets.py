"""Keys and tokens via detect-secrets' Python API, behind a cheap line prefilter.

Plugin choice (the default set from ``detect_secrets.settings.default_settings``,
i.e. every plugin shipped with detect-secrets 1.5.0, minus the noisy ones):

* ``Base64HighEntropyString`` / ``HexHighEntropyString`` are dropped from the
  ``scan_line`` set. ``scan_line`` is detect-secrets' ad-hoc API and runs them in
  eager mode, where every unquoted word is returned with no entropy limit applied
  (``hello world`` gives two "secrets"). Even at their default limits in normal
  mode they are the known notebook noise: embedded images (Yelp/detect-secrets
  #384), interpreter hashes and ids (#549), commit hashes in outputs. We still use
  the two plugin classes, in normal (quoted, limit-applied) mode, but only on lines
  that assign a value to a credential-sounding name, see ``_CRED_ASSIGN``.
* ``IPPublicDetector`` is dropped: a public IPv4 address is not a credential, and
  notebooks print them all the time (pip/requests logs, server addresses).
* The ``is_line_allowlisted`` filter is disabled: a ``# pragma: allowlist secret``
  comment must not let a real key reach a public GitLab.

Speed: ``scan_line`` rebuilds detect-secrets' filter cache on every call (~0.8 ms
a line), so lines only reach it when a prefilter built from the plugins' own
``denylist`` regexes (plus the keyword list) matches. The regex plugins cannot
report anything on a line where none of their patterns match, so this is exact
for them; identical lines are scanned once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

# Names as returned by PotentialSecret.type; they become kinds "secret:<type>".
BASE64_TYPE = "Base64 High Entropy String"
HEX_TYPE = "Hex High Entropy String"

_DROPPED_PLUGINS = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"})
_DISABLED_FILTERS = frozenset({"detect_secrets.filters.allowlist.is_line_allowlisted"})

# Tokens an AI notebook lab is most likely to leak but detect-secrets 1.5.0 has no
# plugin for. Reported as "secret:<name>" like the plugin findings.
EXTRA_PATTERNS = {
    "Anthropic API Key": re.compile(r"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{40,}"),
    "OpenAI Project Key": re.compile(r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}"),
    "Google API Key": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "Hugging Face Token": re.compile(r"\bhf_[A-Za-z0-9]{30,}"),
}

# Generic `token = "..."` / `"api_key": "..."` / `Authorization: Bearer ...`.
_CRED_NAME = r"(?:token|secret|passw(?:or)?d|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|credential|client[_-]?secret)"
_CRED_ASSIGN = re.compile(
    r"(?i:\w*" + _CRED_NAME + r"\w*)[\"'\]]?\s*(?:=|:|=>)\s*[\"']([A-Za-z0-9+/=_\-.~]{16,})[\"']"
    r"|(?i:bearer)\s+([A-Za-z0-9._\-+/=~]{20,})"
)

# Level-1 gate, run over ``text.lower()``: a necessary condition for every pattern
# above (plugin denylists, keyword list, extras, credential names), written so each
# branch starts with a literal character. Python's re can then skip ahead cheaply;
# the plugin alternation itself runs at ~1 MB/s and so only sees gated lines.
_GATE = re.compile(
    r"key|pass|pwd|pw|secret|token|auth|bearer|credential|contrase|aws|cloud|softlayer"
    r"|private|putty|://|xox|hooks\.slack|eyj|sg\.|sq0csp|k_live_|gh[pousr]_|gl[a-z]{2,6}-"
    r"|gr1348941|pypi-|t3blbkfj|aiza|hf_|sk-|-us[0-9]"
    r"|akia|asia|abia|acca|a3t|akc|ap[0-9a-f][a-z0-9]{8}"  # AWS key ids, Artifactory
    r"|ac[a-z0-9]{32}|sk[a-z0-9]{32}"  # Twilio
    r"|:[a-z0-9_-]{35}"  # Telegram bot token tail
    r"|\.[a-z0-9_-]{6}\.[a-z0-9_-]{27}"  # Discord token tail
)

# Tutorial placeholders (`api_key = "YOUR_API_KEY"`, `password = "<비밀번호>"`): only
# checked for the generic keyword/entropy hits, never for vendor-specific patterns.
_PLACEHOLDER = re.compile(
    r"^(?:your|my|enter|insert|put|replace|change|dummy|sample|example|test|fake)[\W_]"
    r"|xxxx|\*\*\*|<[^>]*>|\{\{|placeholder|example|changeme|here$|^[^\x00-\x7f]+$",
    re.IGNORECASE,
)

# Characters a token is made of; a reported secret value is widened to the whole
# token before masking (GitLabTokenDetector reports just the "glpat" group).
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.%~")


@dataclass(frozen=True)
class SecretHit:
    start: int
    end: int
    type: str
    generic: bool  # keyword / entropy hit (lower priority than a vendor-specific one)


def _scoped(pattern: re.Pattern) -> str:
    flags = ""
    if pattern.flags & re.IGNORECASE:
        flags += "i"
    if pattern.flags & re.VERBOSE:
        flags += "x"
    return f"(?{flags}:{pattern.pattern})" if flags else f"(?:{pattern.pattern})"


def _token_span(line: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and line[start - 1] in _TOKEN_CHARS:
        start -= 1
    while end < len(line) and line[end] in _TOKEN_CHARS:
        end += 1
    return start, end


class SecretEngine:
    """Built once, lazily (see ``get_engine``); thread-safe."""

    def __init__(self) -> None:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.filters.heuristic import (
            is_potential_uuid,
            is_sequential_string,
            is_templated_secret,
        )
        from detect_secrets.plugins.high_entropy_strings import (
            Base64HighEntropyString,
            HexHighEntropyString,
        )
        from detect_secrets.plugins.keyword import DENYLIST
        from detect_secrets.settings import Settings, get_plugins, transient_settings

        names = sorted(
            cls.__name__ for cls in get_mapping_from_secret_type_to_class().values()
        )
        self.config = {
            "plugins_used": [{"name": n} for n in names if n not in _DROPPED_PLUGINS],
            "filters_used": [
                {"path": p}
                for p in sorted(Settings().filters)
                if p not in _DISABLED_FILTERS and p not in Settings.DEFAULT_FILTERS
            ],
        }
        self.plugin_names = [p["name"] for p in self.config["plugins_used"]]
        with transient_settings(self.config):
            denylists = [r for plugin in get_plugins() for r in getattr(plugin, "denylist", ())]
        parts = [_scoped(r) for r in denylists]
        parts.extend(p.pattern for p in EXTRA_PATTERNS.values())
        parts.append(_CRED_ASSIGN.pattern)
        # Exact: a line none of these match cannot produce a plugin/extra/entropy hit.
        self.prefilter = re.compile("|".join(parts))
        # KeywordDetector (quotes-required mode for ad-hoc lines) needs one of its
        # words and a quote; `max_tokens=512`, `for key, value in ...` never get there.
        self._keyword = re.compile("(?i:" + "|".join(DENYLIST) + ")")
        self.gate = _GATE
        self.gate_ci = re.compile(_GATE.pattern, re.IGNORECASE)  # when lower() shifts offsets

        self._base64 = Base64HighEntropyString()
        self._hex = HexHighEntropyString()
        self._weak = (is_sequential_string, is_potential_uuid, is_templated_secret)
        self._lock = threading.Lock()
        self._transient = transient_settings

    def confirm(self, line: str) -> bool:
        """Can detect-secrets (or our extras) possibly report something on this line?"""
        if self.prefilter.search(line):
            return True
        return bool(self._keyword.search(line)) and ("'" in line or '"' in line or "`" in line)

    # -- per line -------------------------------------------------------------
    def _entropy_hits(self, line: str) -> list[SecretHit]:
        hits = []
        for m in _CRED_ASSIGN.finditer(line):
            g = 1 if m.group(1) is not None else 2
            value = m.group(g)
            if any(f(value) for f in self._weak) or _PLACEHOLDER.search(value) or value.startswith("http"):
                continue
            if all(c in "0123456789abcdefABCDEF" for c in value):
                plugin, kind = self._hex, HEX_TYPE
            else:
                plugin, kind = self._base64, BASE64_TYPE
            if plugin.calculate_shannon_entropy(value) > plugin.entropy_limit:
                hits.append(SecretHit(m.start(g), m.end(g), kind, True))
        return hits

    def _line_hits(self, line: str, scan_line) -> list[SecretHit]:
        hits: list[SecretHit] = []
        # detect-secrets returns a set: sort for deterministic output.
        found = sorted(
            {(s.type, s.secret_value or "") for s in scan_line(line)}
        )
        for type_, value in found:
            generic = type_ == "Secret Keyword"
            if generic and _PLACEHOLDER.search(value):
                continue
            pos = line.find(value) if value else -1
            if pos < 0:  # cannot locate it: mask the whole line rather than leak it
                hits.append(SecretHit(0, len(line), type_, generic))
                continue
            while pos >= 0:
                s, e = _token_span(line, pos, pos + len(value))
                hits.append(SecretHit(s, e, type_, generic))
                pos = line.find(value, pos + len(value))
        for name, rx in EXTRA_PATTERNS.items():
            for m in rx.finditer(line):
                hits.append(SecretHit(*_token_span(line, m.start(), m.end()), name, False))
        hits.extend(self._entropy_hits(line))
        return hits

    def scan_lines(self, lines) -> dict[str, list[SecretHit]]:
        """Scan distinct candidate lines; returns {line: hits} for lines with hits."""
        from detect_secrets.core.scan import scan_line

        out: dict[str, list[SecretHit]] = {}
        unique = list(dict.fromkeys(lines))
        if not unique:
            return out
        # Settings are process-global in detect-secrets: hold them (and the lock)
        # for the whole batch, restore the previous ones afterwards.
        with self._lock, self._transient(self.config):
            for line in unique:
                hits = self._line_hits(line, scan_line)
                if hits:
                    out[line] = hits
        return out


_engine: SecretEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> SecretEngine:
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = SecretEngine()
    return _engine
