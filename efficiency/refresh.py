"""``python -m efficiency.refresh``: the command line lives in :mod:`efficiency.run.cli`."""
import sys

from efficiency.run.cli import main

if __name__ == "__main__":
    sys.exit(main())
