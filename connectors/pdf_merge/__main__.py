"""`python -m connectors.pdf_merge ...`: the limited merge process (see worker.py)."""

import sys

from connectors.pdf_merge.worker import main

sys.exit(main(sys.argv[1:]))
