"""Allow ``python -m unsafe_audit``."""

import sys

from unsafe_audit.cli import main

sys.exit(main())
