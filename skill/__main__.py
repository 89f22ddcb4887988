"""`python -m skill`: the command line."""

from .cli import main

raise SystemExit(main())
