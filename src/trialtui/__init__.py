"""trialtui: a keyboard-first terminal app for reviewing clinical trials."""


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed package's metadata when first asked for: importing
    importlib.metadata costs every start tens of milliseconds that only --version and the API
    client's User-Agent need."""
    if name != "__version__":
        raise AttributeError(f"module 'trialtui' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trialtui")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0+unknown"
