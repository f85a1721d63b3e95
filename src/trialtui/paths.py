"""Where trialtui finds its bundled files and keeps the user's data.

Bundled styles and seeds live inside the installed package (the wheel force-includes them); in a
source checkout they sit at the repository's top level. User data goes to ``$TRIALTUI_HOME`` when
set (tests and scripts), else the platformdirs user data dir.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent.parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE_DIR / name
    return inside if inside.is_dir() else _CHECKOUT_DIR / name


def styles_dir() -> Path:
    """The folder of the app's ``.tcss`` files."""
    return _bundled("styles")


def seeds_dir() -> Path:
    """The bundled sample library shown when the user has no data of their own."""
    return _bundled("seeds")


def data_home() -> Path:
    """The folder holding the library database; created on first use."""
    configured = os.environ.get("TRIALTUI_HOME")
    home = Path(configured).expanduser() if configured else Path(platformdirs.user_data_dir("trialtui"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def database_path() -> Path:
    return data_home() / "trialtui.sqlite3"
