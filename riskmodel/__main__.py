"""``python -m riskmodel`` runs the command line."""

import sys

from riskmodel.cli import main

if __name__ == "__main__":
    sys.exit(main())
