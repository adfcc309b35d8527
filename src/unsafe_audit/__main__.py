"""Allow ``python -m unsafe_audit``."""

import sys

try:
    from unsafe_audit.cli import main
except KeyboardInterrupt:  # Ctrl-C while the CLI loads: as quiet as later (see cli.interrupted)
    exec("pass", {})
    sys.stderr.write("unsafe-audit: interrupted\n")
    sys.exit(130)

sys.exit(main())
