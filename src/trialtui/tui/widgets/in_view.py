"""Keep a cursor in view when its widget is one part of a longer scrolling page.

The criteria checklist and the threshold table grow to their full height inside the detail's
scrolling record, so scrolling themselves to their cursor does nothing: the page must scroll.
"""

from __future__ import annotations

from textual.geometry import Offset, Region
from textual.widget import Widget


def reveal(widget: Widget, region: Region) -> None:
    """Scroll every ancestor of `widget` so `region` (in its content's coordinates) is on screen."""
    region = region.translate(Offset(*widget.styles.gutter.top_left) - widget.scroll_offset + widget.virtual_region.offset)
    container = widget.parent
    while isinstance(container, Widget) and region:
        delta = container.scroll_to_region(region, animate=False, immediate=True)
        region = (region.translate(-delta)
                  .translate(container.styles.margin.top_left)
                  .translate(container.styles.border.spacing.top_left)
                  .translate(container.virtual_region_with_margin.offset))
        container = container.parent


class CursorInView:
    """Mixin for a list or table inside a scrolling page: when the widget scrolls to show its
    cursor (it does on every move), the page scrolls to show it too, while the widget has focus."""

    def scroll_to_region(self, region: Region, **kwargs):
        scrolled = super().scroll_to_region(region, **kwargs)
        if self.has_focus:
            reveal(self, region)
        return scrolled
