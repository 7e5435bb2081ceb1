"""``python -m efficiency.plot``: a thin entry; the command line is :mod:`efficiency.ui.plot_cli` (no torch)."""
import sys

from efficiency.ui.plot_cli import main

if __name__ == "__main__":
    sys.exit(main())
