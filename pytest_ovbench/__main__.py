"""``python -m pytest_ovbench``: the ``ovbench`` command-line tool (see :mod:`pytest_ovbench.cli`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
