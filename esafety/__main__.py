import sys

from esafety.cli import main

sys.exit(main())
