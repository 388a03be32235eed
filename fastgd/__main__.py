"""``python -m fastgd``: the command-line interface."""

from fastgd.cli import main

raise SystemExit(main())
