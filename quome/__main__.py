import sys

from quome.cli import main

sys.exit(main())
