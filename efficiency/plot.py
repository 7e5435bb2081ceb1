"""``python -m efficiency.plot``: the command line lives in :mod:`efficiency.ui` (no torch)."""
import sys

from efficiency.ui.figures import main

if __name__ == "__main__":
    sys.exit(main())
