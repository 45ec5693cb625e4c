"""``python -m pytest_ovbench``: the ``ovbench`` command-line tool (see :mod:`pytest_ovbench.cli.main`)."""

from __future__ import annotations

from pytest_ovbench.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
