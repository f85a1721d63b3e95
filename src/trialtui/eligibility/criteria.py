"""Split a free-text eligibility criteria block into inclusion / exclusion items.

Registries write criteria as loosely formatted lists: section headers ("Inclusion Criteria:"),
numbered, lettered and bulleted items, nesting shown by indentation or by numbering that restarts,
and run-on paragraphs where several numbered items share one line ("...; 10.All toxic ..." or
"5- Inability ... 6- Elevated ..."). Each item keeps the offset of its text in the original string
so a threshold found in it can point back at its source sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from trialtui.eligibility.prefilter import lowered_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from trialtui.models import CriterionItem

# A header line: "Inclusion Criteria:", "Key Exclusion Criteria", "EXCLUSION:", "Exclusion criteria
# include ...", also behind a bullet or a number ("• Exclusion Criteria:", "2. Exclusion Criteria").
# Anything after the colon on the same line is the first item.
_HEADER = re.compile(
    r"""^[\s#*_\\\-•●▪◦○■□➢►·–—]*(?:\d{1,2}[.)]\s*)?(?:key\s+|main\s+|general\s+|major\s+|other\s+|additional\s+|specific\s+)?
    (?:(?:patients?|participants?|subjects?|recipients?|donors?|study)\s+)?
    (?P<kind>inclusion|exclusion|include|exclude|eligibility|non[- ]?inclusion)
    (?:\s+(?:criteria|criterion|conditions?|requirements?))?
    [\s*_]*(?::|\s*$|-\s|\s+(?:criteria|for|are|include|includes))""",
    re.IGNORECASE | re.VERBOSE,
)
# Sentences that open a section without the usual header words.
_INCLUSION_LEAD = re.compile(
    r"(?:must|should)\s+(?:meet|fulfil+|satisfy|have)\s+(?:all|each)\s+of\s+the\s+following"
    r"|(?:eligible|included)\s+(?:for|in)\s+(?:the|this)\s+stud|^\W*to\s+be\s+eligible",
    re.IGNORECASE,
)
_EXCLUSION_LEAD = re.compile(
    r"(?:will|shall|must|may)\s+(?:not\s+be\s+(?:enrolled|eligible|included|allowed)|be\s+excluded)"
    r"|\b(?:are|is)\s+(?:excluded|ineligible|not\s+eligible)\b|\bexclusionary\b",
    re.IGNORECASE,
)

# A list label at the start of a line. Groups name the label's style so numbering can be followed.
_LABEL = re.compile(
    r"""^(?P<indent>[ \t]*)(?:
        (?P<num>\d{1,3})(?P<numsep>[.)](?!\d)|\s?-(?=\s)|\s?-(?=[A-Za-z]))
      | \((?P<pnum>\d{1,3})\)
      | \((?P<palpha>[a-zA-Z]|[ivxIVX]{1,5})\)
      | (?P<alpha>[a-zA-Z]|[ivxIVX]{1,5})[.)](?=\s)
      | (?P<bullet>\\?[•⁃‣\*\-–—·▪◦○●■□➢►>o](?=\s)|[•⁃‣▪◦●■□➢►])
    )[ \t]*""",
    re.VERBOSE,
)

# A label inside a line where a run-on paragraph starts its next item ("; 10.All", ". 6- Elevated",
# " (2)Heart"). Only taken when its number continues an open list, see `_split_run_on`.
_INLINE_LABEL = re.compile(
    r"""(?:(?<=[;.:)\]])|(?<=[;.:)\]]\s)|(?<=\s\s))[ \t]*(?:
        (?P<num>\d{1,3})(?:\.(?=[A-Za-z])|\.\s(?=[A-Z(])|\)\s?(?=[A-Za-z])|\s?-\s?(?=[A-Z]))
      | \((?P<pnum>\d{1,3})\)\s?(?=[A-Za-z])
    )""",
    re.VERBOSE,
)


_ANY_HEADER = re.compile(
    r"(?im)^[\s#*_\\\-•●▪◦○■□➢►·–—]*(?:\d{1,2}[.)]\s*)?(?:(?:key|main|general|major|other|additional|specific)\s+)?"
    r"(?:(?:patients?|participants?|subjects?|recipients?|donors?|study)\s+)?"
    r"(?:inclusion|exclusion|include|exclude|non[- ]?inclusion)\b"
)


_DONOR_HEADER = re.compile(
    r"(?im)^[^\w\n]*(?:\w+\s+){0,2}donors?\b[^\n]{0,30}?\b(?:criteria|inclusion|exclusion|eligibility)\b[^\n]{0,40}$")
_NEXT_HEADER = re.compile(r"(?im)^[^\w\n]*(?:\w+\s+){0,2}(?:criteria|inclusion|exclusion|eligibility)\b[^\n]{0,40}$")


@lru_cache(maxsize=64)
def donor_ranges(text: str) -> tuple[tuple[int, int], ...]:
    """Where the criteria speak of a donor, not the patient ("Donor Inclusion Criteria" up to the
    next header): transplant trials list the donor's age and performance status there."""
    if "onor" not in text and "ONOR" not in text:
        return ()
    ranges = []
    for header in _DONOR_HEADER.finditer(text):
        following = _NEXT_HEADER.search(text, header.end())
        while following and _DONOR_HEADER.fullmatch(following.group(0)):
            following = _NEXT_HEADER.search(text, following.end())
        ranges.append((header.start(), following.start() if following else len(text)))
    return tuple(ranges)


@dataclass(slots=True)
class _Level:
    """One open list while walking the lines: its label style, last number and indentation."""

    style: str
    number: int | None
    indent: int


def _section_of_header(line: str) -> str | None:
    match = _HEADER.match(line)
    if match:
        kind = match.group("kind").lower()
        if kind.startswith("incl"):
            return "inclusion"
        if kind.startswith(("excl", "non")):
            return "exclusion"
        return None
    return None


def _roman(text: str) -> int | None:
    values = {"i": 1, "v": 5, "x": 10}
    lowered = text.lower()
    if not lowered or any(ch not in values for ch in lowered):
        return None
    total = 0
    for index, ch in enumerate(lowered):
        value = values[ch]
        if index + 1 < len(lowered) and values[lowered[index + 1]] > value:
            total -= value
        else:
            total += value
    return total


def _label_style(match: re.Match[str]) -> tuple[str, int | None]:
    """The list style of a label and its ordinal, e.g. "3." → ("num.", 3), "b)" → ("alpha)", 2)."""
    kind = match.lastgroup  # each style's last group closes its branch of `_LABEL`
    if kind == "bullet":
        return ("bullet" + match.group("bullet").lstrip("\\"), None)
    if kind == "numsep":
        sep = match.group("numsep").strip()
        return ("num" + sep, int(match.group("num")))
    if kind == "pnum":
        return ("(num)", int(match.group("pnum")))
    if kind == "palpha":
        token = match.group("palpha")
        if len(token) == 1 and token.lower() not in "ivx":
            return ("(alpha)", ord(token.lower()) - 96)
        return ("(roman)", _roman(token))
    token = match.group("alpha")
    sep = match.group(0).strip()[-1]
    if len(token) == 1 and token.lower() not in "ivx":
        return ("alpha" + sep, ord(token.lower()) - 96)
    return ("roman" + sep, _roman(token))


class _ListTracker:
    """Works out an item's depth from indentation and from how its numbering continues."""

    def __init__(self) -> None:
        self.levels: list[_Level] = []

    def reset(self) -> None:
        self.levels.clear()

    def place(self, style: str, number: int | None, indent: int) -> int:
        levels = self.levels
        while levels and levels[-1].indent > indent:
            levels.pop()
        top = levels[-1] if levels else None
        # 1. Deeper indentation than the open list: a nested list.
        if top is not None and indent >= top.indent + 2:
            levels.append(_Level(style, number, indent))
            return len(levels) - 1
        # 2. The label continues an open list ("4." after a nested "1.", "2." under "3."): most
        # often the innermost, tested first.
        if top is not None and top.style == style and (
            number is None or top.number is None or number == top.number + 1
        ):
            top.number = number
            return len(levels) - 1
        for index in range(len(levels) - 2, -1, -1):
            level = levels[index]
            if level.style == style and (
                number is None or level.number is None or number == level.number + 1
            ):
                del levels[index + 1 :]
                level.number = number
                return index
        # 3. Numbering starts again under the previous item: a nested list.
        if top is not None and number == 1:
            levels.append(_Level(style, number, indent))
            return len(levels) - 1
        # 4. Same style, numbering skipped, or a new style mid-sequence ("3-" after "4."): a sibling.
        for index in range(len(levels) - 1, -1, -1):
            if levels[index].style == style:
                return self._close_to(index, number)
        if top is not None and top.indent == indent and number is not None:
            levels[-1] = _Level(style, number, indent)
            return len(levels) - 1
        levels.append(_Level(style, number, indent))
        return len(levels) - 1

    def _close_to(self, index: int, number: int | None) -> int:
        del self.levels[index + 1 :]
        self.levels[index].number = number
        return index

    def continuation(self, number: int, style: str) -> int | None:
        """The depth of an open list that `number` continues, if any."""
        for index in range(len(self.levels) - 1, -1, -1):
            level = self.levels[index]
            if level.style.rstrip(".)-") == style.rstrip(".)-") and level.number is not None:
                if number == level.number + 1:
                    return index
        return None


_EMPTY_ITEMS = frozenset({"\\-", "-", "*", "\\*"})
"""Lines that are a bullet with nothing after it."""

Item = tuple[str, str, int, str, int]
"""(section, label, depth, text, start): a criterion item as plain data for the hot path."""


_LABEL_NUMBER = re.compile(r"\d(?<=[\s;.:)\](]\d)\d{0,2}(?:[.)]|\s?-)")
"""The number of every `_INLINE_LABEL`: one to three digits after a space, a "(" or a character its
lookbehinds name, then ".", ")" or "-". A pattern that begins with a digit, which `re` finds with a
fast scan, where `_INLINE_LABEL` (lookbehinds first) is tried at every position."""


def _inline_labels(text: str, pos: int) -> Iterator[re.Match[str]]:
    """`_INLINE_LABEL.finditer(text, pos)`, tried only before a `_LABEL_NUMBER`: a label begins at
    its number, its "(" or the spaces and tabs before them (the lookbehinds still see the text
    before `pos`)."""
    find_number = _LABEL_NUMBER.search
    match_label = _INLINE_LABEL.match
    number = find_number(text, pos)
    while number is not None:
        start = digit = number.start()
        if start > pos and text[start - 1] == "(":
            start -= 1
        while start > pos and text[start - 1] in " \t":
            start -= 1
        for at in range(start, digit + 1):
            label = match_label(text, at)
            if label is not None:
                yield label
                pos = label.end()
                break
        else:
            pos = number.end()
        number = find_number(text, pos)


_INLINE_STYLES = ("num", "(num")
"""The styles of `_INLINE_LABEL`'s labels as `_ListTracker.continuation` compares them."""
_INLINE_LEVEL_STYLES = frozenset({"num.", "num)", "num-", "(num)"})
"""The styles `_label_style` gives the labels whose lists an `_INLINE_LABEL` may continue: those
that are `_INLINE_STYLES` with their ".", ")" or "-"."""


def _split_run_on(
    text: str, start: int, section: str, label: str, depth: int, tracker: _ListTracker,
    items: list[Item],
) -> None:
    """Append the items of a line, cut where an inline label continues an open numbered list
    (`iter_items` calls it for a line only where one may)."""
    position = 0
    while True:
        cut = None
        for match in _inline_labels(text, position + 1):
            if match.group("num"):
                number, style = int(match.group("num")), "num"
            else:
                number, style = int(match.group("pnum")), "(num)"
            level_index = tracker.continuation(number, style)
            if level_index is not None:
                cut = (match, level_index)
                break
        if cut is None:
            piece = text[position:]
            stripped = piece.strip()
            if stripped:
                offset = start + position + (len(piece) - len(piece.lstrip()))
                items.append((section, label, depth, stripped, offset))
            return
        match, level_index = cut
        piece = text[position : match.start()]
        stripped = piece.strip()
        if stripped:
            offset = start + position + (len(piece) - len(piece.lstrip()))
            items.append((section, label, depth, stripped, offset))
        level = tracker.levels[level_index]
        del tracker.levels[level_index + 1 :]
        level.number = int(match.group("num") or match.group("pnum"))
        label = match.group(0).strip()
        depth = level_index
        position = match.end()


def split_criteria(text: str) -> list[CriterionItem]:
    """The criteria as items: section, list label, nesting depth, text and its offset in `text`.

    Text before any section header counts as inclusion when the block has no header at all (many
    records list only requirements), and as "other" otherwise.
    """
    from trialtui.models import CriterionItem

    return [
        CriterionItem(section=section, label=label, depth=depth, text=item_text, start=start)
        for section, label, depth, item_text, start in iter_items(text)
    ]


@lru_cache(maxsize=64)
def iter_items(text: str) -> tuple[Item, ...]:
    """`split_criteria` as plain tuples, cached: extraction and the UI ask for the same text."""
    if not text:
        return ()
    items: list[Item] = []
    # Every header word has "clu" in it ("inclusion", "exclude"): texts without one skip the scan.
    lowered = lowered_text(text)
    has_header = "clu" in lowered and _ANY_HEADER.search(text) is not None
    next_clu = lowered.find("clu")  # the next "clu" in `lowered` (-1: none left): which lines have one
    section = "other" if has_header else "inclusion"
    tracker = _ListTracker()
    # A label's text decides its style, number and depth of indentation: read once per text (a list
    # of bullets repeats one label).
    labels: dict[str, tuple[str, str, int | None, int]] = {}
    offset = 0
    text_indent = -1  # where the last labelled item's text starts; -1 after a blank line
    for line in text.splitlines(keepends=True):
        line_start = offset
        offset += len(line)
        body = line.rstrip("\r\n")
        stripped = body.lstrip()
        if not stripped or (stripped[0] in "\\-*" and (len(stripped) < 3 or stripped[2].isspace())
                            and stripped.rstrip() in _EMPTY_ITEMS):  # no item is longer than two characters
            text_indent = -1
            continue
        indent = len(body) - len(stripped)
        label_match = _LABEL.match(body)
        if items and 0 < text_indent <= indent and not label_match:
            # A hard-wrapped line (legacy XML records wrap at ~70 columns): part of the last item.
            section_, label_, depth_, _text, item_start = items[-1]
            items[-1] = (section_, label_, depth_, text[item_start : line_start + len(body)], item_start)
            continue
        # Every header that opens a section has "inclu"/"exclu" in it: a cheap test first.
        if 0 <= next_clu < line_start:
            next_clu = lowered.find("clu", line_start)
        may_head = 0 <= next_clu < line_start + len(body)
        header = _section_of_header(body) if may_head else None
        if header:
            section = header
            tracker.reset()
            colon = body.find(":")
            rest = body[colon + 1 :] if colon >= 0 else ""
            first_item = rest.strip()
            if first_item:  # no list is open to cut it
                items.append((section, "", 0, first_item, line_start + len(body) - len(rest.lstrip())))
            continue
        if label_match:
            whole = label_match.group()  # the match starts the line
            known = labels.get(whole)
            if known is None:
                label = whole.strip()
                style, number = _label_style(label_match)
                known = labels[whole] = (label, style, number, len(label_match.group("indent").expandtabs(4)))
            label, style, number, indent = known
            depth = tracker.place(style, number, indent)
            label_end = len(whole)
            content = body[label_end:]
            start = line_start + label_end
            text_indent = label_end - 1
        else:
            depth = len(tracker.levels) - 1 if tracker.levels else 0
            label = ""
            content = body
            start = line_start
            text_indent = indent if indent > 0 else -1
        if len(content) < 200 and ":" in content and content.rstrip().endswith(":"):
            introduces_list = "following" in content or "criteria" in content or " any " in content
            if section != "exclusion" and introduces_list and _EXCLUSION_LEAD.search(content):
                section = "exclusion"
                tracker.reset()
            elif section == "other" and _INCLUSION_LEAD.search(content):
                section = "inclusion"
                tracker.reset()
        # An inline label cuts only with the next number of an open numbered list, and in ASCII
        # text that number is written out (`\d` also reads other scripts' digits).
        for level in tracker.levels:
            if (level.number is not None and level.style in _INLINE_LEVEL_STYLES
                    and (not content.isascii() or str(level.number + 1) in content)):
                _split_run_on(content, start, section, label, depth, tracker, items)
                break
        else:  # no label can cut: the line is one item
            stripped = content.strip()
            if stripped:
                items.append((section, label, depth, stripped, start + len(content) - len(content.lstrip())))
    return tuple(items)
