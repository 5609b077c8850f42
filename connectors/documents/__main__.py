"""Run a parser worker: `python -m connectors.documents <fd> <memory_mb> <cpu_s> <max_bytes>`.

Only `ParserPool` starts this; see `connectors.documents.worker`.
"""

from connectors.documents.worker import main

if __name__ == "__main__":
    main()
