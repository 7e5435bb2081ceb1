"""``python -m efficiency.refresh``: the command line lives in :mod:`efficiency.run`."""
import sys

from efficiency.run.refresh import main

if __name__ == "__main__":
    sys.exit(main())
