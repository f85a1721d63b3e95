"""Record text is data, never markup: turn it into Rich `Text` that shows exactly what was written,
and keep any control character that still reaches a widget from reaching the terminal."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.color import Color
from textual.filter import LineFilter
from textual.strip import Strip

# C0 controls (ESC above all) and DEL become their visible Unicode "control pictures" (␛, ␇...),
# so an escape sequence inside a trial record is shown, never obeyed. Newlines and tabs stay.
_CONTROL_PICTURES = {code: 0x2400 + code for code in range(32) if chr(code) not in "\n\t"}
_CONTROL_PICTURES[0x7F] = 0x2421
_CONTROL_PICTURES.update({code: 0xFFFD for code in range(0x80, 0xA0)})
# Bidi embeddings, overrides and isolates would reorder the rest of the line on a terminal that
# does bidi, and the line and paragraph separators break it: shown as the command line shows them
# (``\u202e``). A lone surrogate has no UTF-8 form a terminal could be sent.
_CONTROL_PICTURES.update({code: f"\\u{code:04x}"
                          for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)})
_CONTROL_PICTURES.update({code: 0xFFFD for code in range(0xD800, 0xE000)})


def visible(text: str) -> str:
    """The string with every control character replaced by a visible stand-in."""
    return text.translate(_CONTROL_PICTURES)


def plain(text: str, style: str = "") -> Text:
    """Rich text that renders `text` literally: no markup, no escape sequences."""
    return Text(visible(text), style=style)


class VisibleControls(LineFilter):
    """Every line any widget draws, with its control characters as `visible` shows them.

    Widgets given record text use `plain`; this catches what reaches one some other way: a file
    name in an Input's completion, a stored note in the TextArea, a value typed or pasted. Rich
    counts a control character as zero cells wide and its stand-in takes one or more, so a line
    holding one is cut back to the width the widget laid out.
    """

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments  # the usual line: nothing to look at twice
        shown = [segment if segment.control or segment.text.isprintable()
                 else Segment(visible(segment.text), segment.style) for segment in segments]
        width = Strip(segments).cell_length
        return list(Strip(shown).crop_extend(0, width, None))
