"""The trial list: a virtual, sortable table that stays instant with 570,000 rows.

A `DataTable` keeps a Python object per cell; this widget keeps the caller's list of rows and
renders only the lines on screen (Textual's Line API), so setting half a million rows is one list
assignment. It shows as many columns as its width allows (the title keeps its share, the sorted
column always shows) and sorts every listed trial by any of them, missing values last. It takes
rows in and posts `Highlighted` / `Selected` / `SortChanged` up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from trialtui.digest import TrialDigest
from trialtui.enum_words import display_enum
from trialtui.tui.text import visible

OPEN_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"})


@dataclass(slots=True)
class ListRow:
    """One line of the list: the trial, its badges, and the title's matched spans to highlight.

    The list keeps one only for trials that have something to show beyond their digest (badges,
    highlights, a review rank); every other line is made when drawn, so a 570,000-trial list is
    one list of digests.
    """

    digest: TrialDigest
    badges: str = ""
    title_spans: tuple[tuple[int, int], ...] = ()
    review_rank: tuple[int, ...] = ()
    """Where the reviewer's annotation puts it when sorting by review (starred, shortlisted… first)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the list: what it shows, how it sorts, and how readily it is given room."""

    key: str
    """Also its sort key (`TrialList.sort_key`)."""
    label: str
    width: int
    """Fixed width in cells, or 0 for a column that shares the remaining width."""
    name: str
    """What the user calls it ("Sorted by enrollment")."""
    text: Callable[[ListRow], str]
    value: Callable[[TrialDigest], object] | None
    """Its sort key for a trial (None: a missing value, listed last in either direction); None for
    the review marks, sorted by the list row's review rank."""
    room: int = 0
    """0: always shown; else the order in which the columns beyond those get room as it allows."""
    largest_first: bool = False
    """The first sort by it is descending (newest, largest first)."""
    right: bool = False
    """Numbers align right."""


SHORT_STATUS = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "Not yet",
    "ACTIVE_NOT_RECRUITING": "Active",
    "ENROLLING_BY_INVITATION": "By invite",
    "COMPLETED": "Completed",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "SUSPENDED": "Suspended",
    "UNKNOWN": "Unknown",
    "AVAILABLE": "Available",
    "NO_LONGER_AVAILABLE": "No longer",
    "TEMPORARILY_NOT_AVAILABLE": "Paused",
    "APPROVED_FOR_MARKETING": "Approved",
    "WITHHELD": "Withheld",
}


def short_phase(phases: tuple[str, ...]) -> str:
    """``("PHASE1", "PHASE2")`` → "1/2"; ``("NA",)`` → "NA"; ``("EARLY_PHASE1",)`` → "E1"."""
    return "/".join(p.replace("EARLY_PHASE", "E").replace("PHASE", "") for p in phases)


def short_count(n: int | None) -> str:
    """12345 → "12,345"; from a million on, "2.5M" (the column holds 7 digits and commas); None → "—"."""
    if n is None:
        return "—"
    return f"{n:,}" if n < 1_000_000 else f"{n / 1_000_000:.1f}M"


COLUMNS = (
    Column("review", "", 5, "review marks", lambda r: r.badges, None),
    Column("trial_id", "Trial", 15, "trial ID", lambda r: r.digest.trial_id, lambda d: d.trial_id),
    Column("status", "Status", 10, "status",
           lambda r: SHORT_STATUS.get(r.digest.status, display_enum(r.digest.status)) or "—",
           lambda d: (d.status not in OPEN_STATUSES, d.status) if d.status else None),
    Column("phase", "Phase", 5, "phase", lambda r: short_phase(r.digest.phases) or "—", lambda d: d.phases or None, room=1),
    Column("title", "Title", 0, "title", lambda r: r.digest.title, lambda d: d.title.casefold() or None),
    Column("conditions", "Conditions", 0, "conditions", lambda r: "; ".join(r.digest.conditions),
           lambda d: tuple(c.casefold() for c in d.conditions) or None, room=5),
    Column("start_date", "Start", 7, "start date", lambda r: r.digest.start_date[:7] or "—",
           lambda d: d.start_date or None, room=3, largest_first=True),
    Column("enrollment", "Enroll", 8, "enrollment", lambda r: short_count(r.digest.enrollment),
           lambda d: d.enrollment, room=2, largest_first=True, right=True),
    Column("last_update", "Updated", 10, "last update", lambda r: r.digest.last_update or "—",
           lambda d: d.last_update or None, room=4, largest_first=True),
)
"""In the order shown, left to right."""
BY_KEY = {column.key: column for column in COLUMNS}
TITLE_MIN = 34
"""A column beyond the ones always shown gets room only if the title keeps this many cells, or
1/3 of the list's width when that is more."""
CONDITIONS_MIN = 24
"""The conditions column shows only with this many cells: 2/5 of the room the title would have alone."""
RELEVANCE = "relevance"
"""What the user calls the order the list was given in: a search's best match first."""


class TrialList(ScrollView, can_focus=True):
    """Rows of trials with a fixed header; arrows, page keys and the mouse move the cursor."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("home", "first", "First", show=False, id="list.first"),
        Binding("end", "last", "Last", show=False, id="list.last"),
        Binding("enter", "select", "Open", show=False, id="list.open"),
        Binding("s", "cycle_sort", "Sort", show=False, id="list.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="list.sort_reverse"),
    ]

    COMPONENT_CLASSES = {
        "trial-list--header",
        "trial-list--cursor",
        "trial-list--match",
        "trial-list--open",
        "trial-list--closed",
        "trial-list--badges",
    }

    cursor: reactive[int] = reactive(0, init=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto a trial."""

        trial_id: str

    @dataclass
    class Selected(Message):
        """The user chose a trial (enter or double click)."""

        trial_id: str

    @dataclass
    class SortChanged(Message):
        """The list was sorted by a column (`name`; "" for the order it was given in)."""

        name: str
        reverse: bool

    @dataclass
    class NotAllListed(Message):
        """The user asked for something that needs the whole list while only its first rows are
        in: it is done once the whole list is set, unless `drop_waiting` is called."""

        action: str
        """What waits, as the user would say it ("Sorting")."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._digests: list[TrialDigest] = []
        self._given: Sequence[TrialDigest] = ()
        self._spans_of: Callable[[str], tuple[tuple[int, int], ...]] | None = None
        self._found_spans: dict[str, tuple[tuple[int, int], ...]] = {}
        self._decorated: dict[str, ListRow] = {}
        self._plain_rank: tuple[int, ...] = ()
        self.complete = True
        """False while the rows are only the first of a longer list still being read or ranked."""
        self._waiting: Callable[[], None] | None = None
        """What the user asked for that needs the whole list (End, a sort): done once it is set."""
        self.sort_key = ""
        self.sort_reverse = False
        self._columns = COLUMNS
        self._by_key = BY_KEY

    # data in -----------------------------------------------------------------------------------

    def set_distances(self, distances: dict[str, float] | None, unit: str = "km") -> None:
        """Each trial's distance to its nearest site (km) for a Distance column after the trial
        ID, shown in `unit`; None: no such column. Set before `set_rows`, which sorts. The rows
        of a distance filter come nearest first, so their own order is the distance column's,
        ascending, and says so (the arrow on its header)."""
        if distances is None:
            self._columns, self._by_key = COLUMNS, BY_KEY
            if self.sort_key == "distance":
                self.sort_key, self.sort_reverse = "", False
            return
        from trialtui.distances import format_distance  # numpy: only once a distance filter is on

        def text(row: ListRow) -> str:
            km = distances.get(row.digest.trial_id)
            return "—" if km is None else format_distance(km, unit)

        distance = Column("distance", "Distance", 10, "distance", text, lambda d: distances.get(d.trial_id), right=True)
        self._columns = (*COLUMNS[:2], distance, *COLUMNS[2:])
        self._by_key = {column.key: column for column in self._columns}
        if not self.sort_key:
            self.sort_key, self.sort_reverse = "distance", False

    def _row(self, digest: TrialDigest) -> ListRow:
        return self._decorated.get(digest.trial_id) or ListRow(digest, review_rank=self._plain_rank)

    @property
    def digests(self) -> Sequence[TrialDigest]:
        """The listed trials in their shown order."""
        return self._digests

    @property
    def rows(self) -> list[ListRow]:
        """Every line as a `ListRow` (built on demand: prefer `digests` for big lists)."""
        return [self._row(d) for d in self._digests]

    @property
    def current(self) -> ListRow | None:
        return self._row(self._digests[self.cursor]) if 0 <= self.cursor < len(self._digests) else None

    def set_rows(self, digests: Sequence[TrialDigest], decorated: dict[str, ListRow] | None = None,
                 keep: str | None = None, plain_rank: tuple[int, ...] = (), complete: bool = True,
                 announce: bool = True, spans: Callable[[str], tuple[tuple[int, int], ...]] | None = None) -> None:
        """Show these trials (sorted by the current sort), keeping the cursor on `keep` if present.
        `decorated` holds the lines with badges or highlights; `plain_rank` is the review rank of
        the others. `complete` False: these are the first rows of a longer list, so End and
        sorting are refused until the whole list is set. `announce` False: the cursor's trial is
        announced only if it changed (the whole list replacing its first rows under the reader).
        `spans` finds the title's highlights of a line not in `decorated` when it is drawn."""
        before = self.current.digest.trial_id if self.current else None
        self._given = digests
        self._digests = list(digests)
        self._decorated = decorated or {}
        self._spans_of = spans
        self._found_spans: dict[str, tuple[tuple[int, int], ...]] = {}
        self._plain_rank = plain_rank
        self.complete = complete
        waiting = None
        if complete:
            waiting, self._waiting = self._waiting, None
        self._apply_sort()
        self.virtual_size = Size(self.size.width, len(self._digests) + 1)
        index = self.index_of(keep) if keep else None
        index = index if index is not None else 0
        same = index == self.cursor < len(self._digests) and self._digests[index].trial_id == before
        self._move_to(index, announce=announce or not same)
        self.refresh()
        if waiting is not None:
            waiting()

    def drop_waiting(self) -> None:
        """Forget the End or sort asked for while the list is incomplete (the screen refused it)."""
        self._waiting = None

    def title_spans(self, trial_id: str) -> tuple[tuple[int, int], ...]:
        """The title's highlights known so far (never looked for: see `_drawn_spans`)."""
        held = self._decorated.get(trial_id)
        return held.title_spans if held is not None and held.title_spans else self._found_spans.get(trial_id, ())

    def _drawn_spans(self, trial_id: str) -> tuple[tuple[int, int], ...]:
        """The title's highlights of a line being drawn, looked for once if not known."""
        known = self.title_spans(trial_id)
        if known or self._spans_of is None or trial_id in self._found_spans:
            return known
        self._found_spans[trial_id] = self._spans_of(trial_id)
        return self._found_spans[trial_id]

    def update_rows(self, updates: dict[str, ListRow]) -> None:
        """Replace the lines of these trials (new badges or review rank), in place."""
        self._decorated.update(updates)
        self.refresh()

    def highlight(self, trial_id: str) -> bool:
        """Put the cursor on `trial_id` if it is listed; say whether it was."""
        index = self.index_of(trial_id)
        if index is not None:
            self._move_to(index, announce=True)
        return index is not None

    def index_of(self, trial_id: str) -> int | None:
        return next((i for i, d in enumerate(self._digests) if d.trial_id == trial_id), None)

    def sort_by(self, key: str, reverse: bool = False) -> None:
        """Sort every listed trial by the column `key` ("": the order given, a search's relevance),
        missing values last either way; the column is then shown whatever the width."""
        if not self.complete:
            self._waiting = lambda: self.sort_by(key, reverse)
            self.post_message(self.NotAllListed("Sorting"))
            return
        keep = self.current.digest.trial_id if self.current else None
        if not key and "distance" in self._by_key:  # the order given: nearest first
            key, reverse = "distance", False
        self.sort_key, self.sort_reverse = key, reverse and bool(key)
        if key in ("", "distance"):  # equally near trials in the order given
            self._digests = list(self._given)
        self._apply_sort()
        index = self.index_of(keep) if keep else 0
        self._move_to(index or 0, announce=False)
        self.refresh()
        self.post_message(self.SortChanged(self._by_key[key].name if key else "", self.sort_reverse))

    def action_reverse_sort(self) -> None:
        """The same column the other way round (the order given has no other way)."""
        if self.sort_key:
            self.sort_by(self.sort_key, not self.sort_reverse)
        else:
            self.post_message(self.SortChanged("", False))

    def _apply_sort(self) -> None:
        if not self.sort_key:
            return
        value = self._by_key[self.sort_key].value
        digests = self._digests
        # Positions sorted by a list of keys: no object per trial for the collector to walk.
        keys = [self._row(d).review_rank for d in digests] if value is None else list(map(value, digests))
        known = [i for i, key in enumerate(keys) if key is not None]
        known.sort(key=keys.__getitem__, reverse=self.sort_reverse)
        self._digests = [digests[i] for i in known] + [d for d, key in zip(digests, keys, strict=True) if key is None]

    # actions -------------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta, announce=True)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 2), announce=True)

    def action_first(self) -> None:
        self._move_to(0, announce=True)

    def action_last(self) -> None:
        if not self.complete:
            self._waiting = self.action_last
            self.post_message(self.NotAllListed("End (the last trial)"))
            return
        self._move_to(len(self._digests) - 1, announce=True)

    def action_select(self) -> None:
        if self.current:
            self.post_message(self.Selected(self.current.digest.trial_id))

    def action_cycle_sort(self) -> None:
        """Sort by the next column shown (the badges' review marks last), each first the way it
        reads best (dates and counts largest first) then reversed; after the last, back to the
        order the list was given in (a search's relevance)."""
        shown = [column.key for column, _ in self.layout(self.size.width)]
        order = shown[1:] + shown[:1]  # the badges' review marks last
        column = self._by_key.get(self.sort_key)
        if column is None:
            self.sort_by(order[0], self._by_key[order[0]].largest_first)
        elif self.sort_reverse == column.largest_first:
            self.sort_by(column.key, not self.sort_reverse)
        else:
            position = order.index(column.key) + 1 if column.key in order else 0
            following = order[position] if position < len(order) else ""
            self.sort_by(following, following != "" and self._by_key[following].largest_first)

    def _move_to(self, index: int, announce: bool) -> None:
        if not self._digests:
            self.cursor = 0
            return
        index = max(0, min(index, len(self._digests) - 1))
        moved = index != self.cursor
        self.cursor = index
        visible_rows = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + visible_rows:
            self.scroll_to(y=index - visible_rows + 1, animate=False, immediate=True)
        self.refresh()
        if announce or moved:
            self.post_message(self.Highlighted(self._digests[index].trial_id))

    # mouse ---------------------------------------------------------------------------------------

    async def _on_click(self, event: events.Click) -> None:
        if event.y == 0:
            key = self._column_at(event.x)
            if key == self.sort_key:
                self.action_reverse_sort()
            elif key:
                self.sort_by(key, self._by_key[key].largest_first)
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._digests):
            self._move_to(index, announce=True)
            if event.chain >= 2:
                self.action_select()

    def _column_at(self, x: int) -> str | None:
        left = 0
        for column, width in self.layout(self.size.width):
            if left <= x < left + width + 1:
                return column.key
            left += width + 1
        return None

    # rendering -----------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._digests) + 1)

    def watch_cursor(self) -> None:
        self.refresh()

    def layout(self, total: int) -> list[tuple[Column, int]]:
        """The columns shown in `total` cells and their widths: those always shown, then the
        others as room allows (the sorted one first), the title keeping `TITLE_MIN`; the title
        takes the rest, shared with the conditions when both keep enough."""
        room = total - 1 - sum(c.width + 1 for c in self._columns if not c.room)
        title_min = max(TITLE_MIN, total // 3)
        extra = sorted((c for c in self._columns if c.room and c.width), key=lambda c: (c.key != self.sort_key, c.room))
        chosen = set()
        for column in extra:
            if room - column.width - 1 >= title_min or column.key == self.sort_key:
                chosen.add(column.key)
                room -= column.width + 1
        title = max(10, room)
        conditions = 0
        if (room - 1) * 2 // 5 >= CONDITIONS_MIN or self.sort_key == "conditions":
            title = max(10, room - 1) * 3 // 5
            conditions = max(10, room - 1) - title
        widths = {"title": title, "conditions": conditions}
        return [(c, c.width or widths[c.key]) for c in self._columns
                if not c.room or c.key in chosen or (c.key == "conditions" and conditions)]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        layout = self.layout(width)
        if y == 0:
            style = base + self.get_component_rich_style("trial-list--header")
            cells = [Segment(self._header(column, w), style) for column, w in layout]
            return self._strip(cells, width, style)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._digests):
            return Strip.blank(width, base)
        row = self._row(self._digests[index])
        row_style = base
        if index == self.cursor:
            row_style = base + self.get_component_rich_style("trial-list--cursor" if self.has_focus else "trial-list--header")
        segments: list[Segment] = []
        for column, w in layout:
            text = self._fit(visible(column.text(row)), w, column.right)
            style = row_style
            if column.key == "status":
                kind = "open" if row.digest.status in OPEN_STATUSES else "closed"
                style = row_style + self.get_component_rich_style(f"trial-list--{kind}")
            elif column.key == "review":
                style = row_style + self.get_component_rich_style("trial-list--badges")
            spans = self._drawn_spans(row.digest.trial_id) if column.key == "title" else ()
            if spans:
                segments.extend(self._highlighted(text, spans, style))
            else:
                segments.append(Segment(text, style))
        return self._strip(segments, width, row_style)

    def _header(self, column: Column, width: int) -> str:
        """The column's label, with ▲ or ▼ on the sorted one (the label cut to keep the arrow)."""
        if column.key != self.sort_key:
            return self._fit(column.label, width, column.right)
        arrow = "▼" if self.sort_reverse else "▲"
        label = set_cell_size(column.label, max(0, min(cell_len(column.label), width - 2)))
        return self._fit(f"{label} {arrow}" if label else arrow, width, column.right)

    def _highlighted(self, text: str, spans: tuple[tuple[int, int], ...], style: Style) -> list[Segment]:
        match_style = style + self.get_component_rich_style("trial-list--match")
        segments, position = [], 0
        for start, end in sorted(spans):
            start, end = max(start, position), min(end, len(text))
            if start >= end:
                continue
            segments += [Segment(text[position:start], style), Segment(text[start:end], match_style)]
            position = end
        segments.append(Segment(text[position:], style))
        return segments

    @staticmethod
    def _fit(text: str, width: int, right: bool = False) -> str:
        text = text.replace("\n", " ")
        if cell_len(text) > width:
            text = set_cell_size(text, max(0, width - 1)) + "…"
        if right:
            return " " * (width - cell_len(text)) + text + " "
        return set_cell_size(text, width) + " "

    @staticmethod
    def _strip(segments: list[Segment], width: int, style: Style) -> Strip:
        return Strip(segments).adjust_cell_length(width, style)
