"""Command palette providers that need the session: jump to any trial by id or title."""

from __future__ import annotations

from textual.command import Hit, Hits, Provider

from trialtui.enum_words import display_enum
from trialtui.tui.text import plain


class TrialJumpProvider(Provider):
    """Type an NCT ID, a title word or a drug in the palette and go straight to that trial."""

    async def search(self, query: str) -> Hits:
        session = self.app.session
        if len(query.strip()) < 2:
            return
        for row in session.rows(query).head[:20]:
            digest = row.digest
            yield Hit(
                (row.score or 0) / 100,
                plain(f"Go to {digest.trial_id}: {digest.title}"),
                lambda tid=digest.trial_id: self.screen.jump_to_trial(tid),
                text=f"Go to {digest.trial_id}: {digest.title}",
                help=display_enum(digest.status) or None,
            )
            yield Hit(
                (row.score or 0) / 200,
                plain(f"Compare with {digest.trial_id}: {digest.title}"),
                lambda tid=digest.trial_id: self.screen.compare_with_current(tid),
                text=f"Compare with {digest.trial_id}: {digest.title}",
                help="The highlighted trial (A) side by side with this one (B)",
            )
