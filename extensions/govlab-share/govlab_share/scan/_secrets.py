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
report anything on a line where none of their patterns match, so this is a
necessary condition for them; identical lines are scanned once.

Linear time: every pattern here runs on user text, so every repetition is bounded
or starts at a literal that the previous match cannot overlap. Some plugin
denylists are not (measured on detect-secrets 1.5.0): the IBM/Cloudant/Softlayer
ones put `` *``, `` +`` and `` *`` side by side (cubic on a run of spaces: 2,000
spaces after ``key`` took 23 s), ``NpmDetector`` (``//.+/:_authToken``),
``OpenAIDetector`` (``sk-[...]*...``) and ``JwtTokenDetector`` (``eyJ[...]+[.]``)
rescan to the end of the line from every start. So (see ``_probe``): runs of
spaces/tabs are cut to ``_MAX_BLANKS`` before any plugin sees them, the prefilter
uses bounded necessary conditions for those plugins (``_PREFILTER_SUBST``,
``_ASSIGN_FAMILY_LOW``), each searched on its own (literal-led, fast), and
``scan_line`` only ever gets ``_WIN`` characters at a time: long lines are cut
into overlapping windows (``_OVERLAP`` characters shared, so a token up to that
long that crosses a window edge is whole in the next window), hits are shifted
back to line offsets. What is left super-linear inside a plugin is then bounded by
the window size, i.e. linear in the line length.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

# Names as returned by PotentialSecret.type; they become kinds "secret:<type>".
BASE64_TYPE = "Base64 High Entropy String"
HEX_TYPE = "Hex High Entropy String"
KEYWORD_TYPE = "Secret Keyword"

_DROPPED_PLUGINS = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"})
_DISABLED_FILTERS = frozenset({"detect_secrets.filters.allowlist.is_line_allowlisted"})

# Tokens an AI notebook lab is most likely to leak but detect-secrets 1.5.0 has no
# plugin for. Reported as "secret:<name>" like the plugin findings. Bounded, and
# each starts at a token start, so a run of "sk-sk-sk-..." costs linear time.
_TS = r"(?<![A-Za-z0-9_\-])"  # token start
_TE = r"(?![A-Za-z0-9_\-])"  # token end
EXTRA_PATTERNS = {
    "Anthropic API Key": re.compile(_TS + r"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{40,300}+"),
    "OpenAI Project Key": re.compile(_TS + r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,300}+"),
    # Legacy OpenAI-style keys, and the format of the lab's own model gateway keys.
    "OpenAI API Key": re.compile(_TS + r"sk-(?=[0-9]{0,47}[A-Za-z])(?=[A-Za-z]{0,47}\d)[A-Za-z0-9]{48}" + _TE),
    "Google API Key": re.compile(_TS + r"AIza[0-9A-Za-z_\-]{35}" + _TE),
    "Hugging Face Token": re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,128}+"),
}

# Generic `token = "..."`, `"api_key": "..."`, `export SERVICE_TOKEN=...`,
# `password: ...` (YAML), `Authorization: Bearer ...`. The name starts at a word
# start and has bounded affixes (so each word start costs a bounded number of
# steps); after the credential word only a plural "s", digits or a `_suffix` may
# follow (`SERVICE_TOKEN`, `api_key_prod`, `passwords`), not `tokenizer`.
_CRED_NAME = (
    r"(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|credential|client[_-]?secret)"
)
_NAME = (
    r"(?<![A-Za-z0-9_])(?i:[A-Za-z0-9_]{0,40}?"
    + _CRED_NAME
    + r"(?:s|\d{1,4})?(?:[_-][A-Za-z0-9_]{0,40}+)?)(?![A-Za-z0-9])"
)
_OP = r"[\"'\]]{0,2}[ \t]{0,16}+(?:=>|:=|=|:)[ \t]{0,16}+"
_CRED_ASSIGN = re.compile(
    _NAME + _OP + r"(?:"
    # 1: quoted literal, checked for entropy
    r"[\"']([A-Za-z0-9+/=_\-.~]{16,1024}+)[\"']"
    # 2: unquoted literal (shell, .env, YAML, URL query), checked by _plain_value
    r"|(?=[^\s\"'`<>$,;&{}()\[\]\\|#=]{0,255}\d)([^\s\"'`<>$,;&{}()\[\]\\|#=]{8,256}+={0,2})(?=[\s,;&#)\]}]|$)"
    r")"
    # 3: HTTP bearer token
    r"|(?<![A-Za-z0-9_])(?i:bearer)[ \t]{1,8}+([A-Za-z0-9._\-+/=~]{20,1024}+)"
)
# Unquoted values that are code or configuration, not a secret: references,
# identifiers and attribute chains (`password=password_var`, `api_key=cfg.key`),
# paths and URLs, dates, file names.
_NOT_A_LITERAL = re.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9]*_[A-Za-z0-9_]*|[A-Za-z_]\w{0,80}(?:\.\w{1,80}){1,8}"
    r"|[/.~].*|[A-Za-z][A-Za-z0-9+.\-]{0,20}:/.*|\d{4}-\d\d-\d\d.*|.*\.(?:txt|json|ya?ml|pem|key|csv|env|ini|cfg|toml|py))$"
)
_DIGIT_AND_LETTER = re.compile(r"(?=.{0,255}\d)(?=.{0,255}[A-Za-z])")

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


# scan_line never sees more than _WIN characters at once (see the module docstring).
_WIN = 4096
_OVERLAP = 200
_MAX_BLANKS = 8
_BLANKS = re.compile(r"[ \t]{%d,}" % (_MAX_BLANKS + 1))

# Plugins whose denylist rescans to the end of the line from every start: in the
# prefilter they are replaced by a bounded necessary condition (a line these do not
# match cannot give that plugin a hit). The IBM/Cloudant/Softlayer assignment
# patterns are replaced by _ASSIGN_FAMILY_LOW (and only see probes, see _probe).
_PREFILTER_SUBST = {
    "NpmDetector": (r"/:_authToken=",),
    "OpenAIDetector": (r"T3BlbkFJ",),
    # A JWT header (`{"alg":...}` in base64url) is 20-60 characters before the dot.
    "JwtTokenDetector": (r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_=\-]{1,300}+\.",),
}

# detect-secrets' IBM/Cloudant/Softlayer denylists all start with this and then
# need a credential word, an operator and a 24+ character value: this is their
# bounded necessary condition on the lowercased probe (blank runs <= _MAX_BLANKS).
_ASSIGN_FAMILY_HEAD = r"(?:(?<=\W)|(?<=^))"
_ASSIGN_FAMILY_LOW = re.compile(
    r"(?:key|pwd|pass|token)[\"']?\]?[ ]{0,8}(?:=>|:=|::|=|:|[ ])[ ]{0,8}[\"']?[a-z0-9_\-]{24}"
)
# Literal-led superset of _CRED_ASSIGN (credential word, bounded name tail, operator).
_CRED_HINT_LOW = re.compile(
    r"(?:token|secret|passw|pwd|key|credential)[a-z0-9_\-]{0,45}+[\"'\]]{0,2}[ \t]{0,16}[=:]"
    r"|bearer[ \t]"
)


# Lowercase literals one of which each plugin's patterns need: a pattern runs only on
# windows that contain one (a substring test is ~100x cheaper than a regex search
# that cannot skip ahead). Unknown plugins always run.
_NEEDS = {
    "AWSKeyDetector": ("a3t", "abia", "acca", "akia", "asia", "aws"),
    "ArtifactoryDetector": ("akc", "ap"),
    "AzureStorageKeyDetector": ("accountkey=",),
    "BasicAuthDetector": ("://",),
    "CloudantDetector": ("cloudant",),
    "DiscordBotTokenDetector": (".",),
    "GitHubTokenDetector": ("gh",),
    "GitLabTokenDetector": ("gl", "gr1348941"),
    "JwtTokenDetector": ("eyj",),
    "MailchimpDetector": ("-us",),
    "NpmDetector": ("/:_authtoken=",),
    "OpenAIDetector": ("t3blbkfj",),
    "PrivateKeyDetector": ("begin", "putty"),
    "PypiTokenDetector": ("pypi-",),
    "SendGridDetector": ("sg.",),
    "SlackDetector": ("xox", "hooks.slack"),
    "SoftlayerDetector": ("softlayer",),
    "SquareOAuthDetector": ("sq0csp-",),
    "StripeDetector": ("k_live_",),
    "TelegramBotTokenDetector": (":",),
    "TwilioKeyDetector": ("ac", "sk"),
    "Anthropic API Key": ("sk-ant-",),
    "OpenAI Project Key": ("sk-",),
    "OpenAI API Key": ("sk-",),
    "Google API Key": ("aiza",),
    "Hugging Face Token": ("hf_",),
}


def _probe(text: str) -> str:
    """The text as plugins see it: runs of blanks cut to _MAX_BLANKS (the IBM-style
    denylists put ' *', ' +' and ' *' in a row: cubic on a long run of spaces)."""
    if "  " in text or "\t" in text:
        return _BLANKS.sub(" " * _MAX_BLANKS, text)
    return text


def windows(line: str, size: int = _WIN, overlap: int = _OVERLAP):
    """(offset, piece) covering `line`; consecutive pieces share `overlap` characters."""
    if len(line) <= size:
        yield 0, line
        return
    step = size - overlap
    start = 0
    while True:
        yield start, line[start : start + size]
        if start + size >= len(line):
            return
        start += step


def _plain_value(value: str) -> bool:
    """Is an unquoted assigned value a literal secret (not code, a path or a word)?"""
    if _NOT_A_LITERAL.match(value) or not _DIGIT_AND_LETTER.match(value):
        return False
    return True


@dataclass(frozen=True)
class SecretHit:
    start: int
    end: int
    type: str
    generic: bool  # keyword / entropy hit (lower priority than a vendor-specific one)


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

        names = sorted(cls.__name__ for cls in get_mapping_from_secret_type_to_class().values())
        self.config = {
            "plugins_used": [{"name": n} for n in names if n not in _DROPPED_PLUGINS],
            "filters_used": [
                {"path": p}
                for p in sorted(Settings().filters)
                if p not in _DISABLED_FILTERS and p not in Settings.DEFAULT_FILTERS
            ],
        }
        self.plugin_names = [p["name"] for p in self.config["plugins_used"]]
        # Each necessary condition is searched on its own: one big alternation has no
        # literal prefix for re to skip ahead with and ran at ~1 MB/s.
        parts: list[tuple[tuple[str, ...] | None, re.Pattern]] = []
        assign_family = False
        with transient_settings(self.config):
            for plugin in get_plugins():
                name = type(plugin).__name__
                needs = _NEEDS.get(name)
                subst = _PREFILTER_SUBST.get(name)
                if subst is not None:
                    parts.extend((needs, re.compile(p)) for p in subst)
                    continue
                for r in getattr(plugin, "denylist", ()):
                    if r.pattern.startswith(_ASSIGN_FAMILY_HEAD):
                        assign_family = True  # covered by _ASSIGN_FAMILY_LOW below
                    else:
                        parts.append((needs, r))
        parts.extend((_NEEDS.get(name), rx) for name, rx in EXTRA_PATTERNS.items())
        self.prefilter_parts = parts
        # Searched on the lowercased probe: the IBM/Cloudant/Softlayer assignment
        # patterns (case-insensitive) and a literal-led superset of _CRED_ASSIGN;
        # the exact _CRED_ASSIGN then runs only where the latter matched.
        self._low_parts = [_CRED_HINT_LOW] + ([_ASSIGN_FAMILY_LOW] if assign_family else [])
        # KeywordDetector (quotes-required mode for ad-hoc lines) needs one of its
        # words and a quote; `max_tokens=512`, `for key, value in ...` never get there.
        # Its words are lowercase: searched on lowercased text, literal-led and fast.
        self._keyword = re.compile("|".join(DENYLIST))
        self.gate = _GATE
        self.gate_ci = re.compile(_GATE.pattern, re.IGNORECASE)  # when lower() shifts offsets

        self._base64 = Base64HighEntropyString()
        self._hex = HexHighEntropyString()
        self._weak = (is_sequential_string, is_potential_uuid, is_templated_secret)
        self._lock = threading.Lock()
        self._transient = transient_settings

    def confirm(self, line: str) -> bool:
        """Can detect-secrets (or our extras) possibly report something on this line?"""
        if len(line) > _WIN:
            return True  # scan_lines confirms each window of it: one pass, not two
        probe = _probe(line)
        low = probe.lower()
        for needs, rx in self.prefilter_parts:
            if (needs is None or any(n in low for n in needs)) and rx.search(probe):
                return True
        if _ASSIGN_FAMILY_LOW.search(low):
            return True
        if _CRED_HINT_LOW.search(low) and _CRED_ASSIGN.search(line):
            return True
        return ("'" in line or '"' in line or "`" in line) and bool(self._keyword.search(low))

    # -- per line -------------------------------------------------------------
    def _entropy_hits(self, line: str) -> list[SecretHit]:
        hits = []
        for m in _CRED_ASSIGN.finditer(line):
            g = m.lastindex
            value = m.group(g)
            if any(f(value) for f in self._weak) or _PLACEHOLDER.search(value) or value.startswith("http"):
                continue
            if g == 2:  # unquoted: shell/.env/YAML literal, no entropy floor (`hunter2-...`)
                if _plain_value(value):
                    hits.append(SecretHit(m.start(g), m.end(g), KEYWORD_TYPE, True))
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
        found = sorted({(s.type, s.secret_value or "") for s in scan_line(_probe(line))})
        for type_, value in found:
            generic = type_ == KEYWORD_TYPE
            if generic and _PLACEHOLDER.search(value):
                continue
            pos = line.find(value) if value else -1
            if pos < 0:  # cannot locate it: mask the whole piece rather than leak it
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

    def _long_line_hits(self, line: str, scan_line) -> list[SecretHit]:
        """Hits of a line longer than _WIN, window by window, in line offsets."""
        seen: set[tuple[int, int, str]] = set()
        hits: list[SecretHit] = []
        # A repetitive line (a generated log, a pasted dump) repeats its windows too:
        # detect-secrets, the costly part, sees each distinct window once.
        memo: dict[str, list[SecretHit]] = {}
        for off, piece in windows(line):
            if piece not in memo:
                memo[piece] = self._line_hits(piece, scan_line) if self.confirm(piece) else []
            for h in memo[piece]:
                s, e = h.start + off, h.end + off
                if h.end - h.start < len(piece):  # widen a token cut by the window edge
                    s, e = _token_span(line, s, e)
                key = (s, e, h.type)
                if key not in seen:
                    seen.add(key)
                    hits.append(SecretHit(s, e, h.type, h.generic))
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
                if len(line) > _WIN:
                    hits = self._long_line_hits(line, scan_line)
                else:
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
