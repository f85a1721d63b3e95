"""trialtui: a keyboard-first terminal app for reviewing clinical trials."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialtui")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
