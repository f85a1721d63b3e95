"""Record text is data, never markup: turn it into Rich `Text` that shows exactly what was written."""

from __future__ import annotations

from rich.text import Text

# C0 controls (ESC above all) and DEL become their visible Unicode "control pictures" (␛, ␇...),
# so an escape sequence inside a trial record is shown, never obeyed. Newlines and tabs stay.
_CONTROL_PICTURES = {code: 0x2400 + code for code in range(32) if chr(code) not in "\n\t"}
_CONTROL_PICTURES[0x7F] = 0x2421
_CONTROL_PICTURES.update({code: 0xFFFD for code in range(0x80, 0xA0)})
# Bidi embeddings, overrides and isolates would reorder the rest of the line on a terminal that
# does bidi: shown as the command line shows them (``\u202e``).
_CONTROL_PICTURES.update({code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def visible(text: str) -> str:
    """The string with every control character replaced by a visible stand-in."""
    return text.translate(_CONTROL_PICTURES)


def plain(text: str, style: str = "") -> Text:
    """Rich text that renders `text` literally: no markup, no escape sequences."""
    return Text(visible(text), style=style)
