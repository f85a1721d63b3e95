"""`python -m trialtui` runs the command line."""

from trialtui.cli import main

raise SystemExit(main())
