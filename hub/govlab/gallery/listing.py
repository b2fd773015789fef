"""From entries to what one page shows: search, filters, order, paging (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import search
from .catalog import Details, Entry

PERIODS = {"7": 7, "30": 30, "365": 365}  # the date filter: shared in the last N days


@dataclass
class Card:
    entry: Entry
    details: Details
    featured: bool
    opens: int
    score: int = 0

    @property
    def title(self) -> str:
        return self.details.title or self.entry.name

    @property
    def description(self) -> str:
        return self.details.description or self.entry.description

    @property
    def author(self) -> str:
        return self.details.author or self.entry.owner

    @property
    def agency(self) -> str:
        return self.details.agency

    @property
    def date(self) -> str:
        """When it was shared (the manifest), else GitLab's last activity."""
        return self.details.shared_at or self.entry.last_activity_at or self.entry.created_at

    def indexed(self) -> search.Indexed:
        # Normalising a README costs more than matching it: keep the result with the
        # project's details (replaced when the project changes).
        key = (self.entry.name, self.entry.description, tuple(self.entry.tags))
        cached = self.details.search_index
        if cached is None or cached[0] != key:
            cached = self.details.search_index = (
                key,
                search.Indexed.of(
                    title=self.title,
                    tags=" ".join(self.entry.tags),
                    agency=self.agency,
                    author=self.author,
                    description=self.description,
                    readme=self.details.readme,
                ),
            )
        return cached[1]

    def to_json(self) -> dict:
        e, d = self.entry, self.details
        return {
            "id": e.id,
            "project": e.path_with_namespace,
            "title": self.title,
            "description": self.description,
            "agency": self.agency,
            "author": self.author,
            "date": self.date,
            "ai_model": d.ai_model,
            "tags": e.tags,
            "visibility": e.visibility,
            "web_url": e.web_url,
            "notebook": d.notebook,
            "has_thumbnail": bool(d.thumbnail),
            "featured": self.featured,
            "opens": self.opens,
        }


def _parse_date(text: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def cards(
    entries: list[Entry], details: dict[int, Details], featured: dict[int, dict], opens: dict[int, int]
) -> list[Card]:
    return [Card(e, details.get(e.id) or Details(""), e.id in featured, opens.get(e.id, 0)) for e in entries]


def select(
    all_cards: list[Card],
    *,
    q: str = "",
    agency: str = "",
    topic: str = "",
    period: str = "",
    now: datetime | None = None,
) -> list[Card]:
    """Matching cards: featured first, then best match, then newest."""
    now = now or datetime.now(UTC)
    words = search.query_words(q)
    out = []
    for c in all_cards:
        if agency and c.agency != agency:
            continue
        if topic and topic not in c.entry.tags:
            continue
        if period in PERIODS:
            when = _parse_date(c.date)
            if when is None or when < now - timedelta(days=PERIODS[period]):
                continue
        if words:
            c.score = search.score(c.indexed(), words)
            if not c.score:
                continue
        out.append(c)
    out.sort(key=lambda c: c.date, reverse=True)
    out.sort(key=lambda c: (not c.featured, -c.score))  # stable: newest within equal rank
    return out


def facets(all_cards: list[Card]) -> tuple[list[str], list[str]]:
    """The agencies and topics that can be filtered on."""
    agencies = sorted({c.agency for c in all_cards if c.agency})
    topics = sorted({t for c in all_cards for t in c.entry.tags})
    return agencies, topics


def page_of(items: list, page: int, size: int) -> tuple[list, int]:
    pages = max(1, -(-len(items) // size))
    page = min(max(1, page), pages)
    return items[(page - 1) * size : page * size], pages
