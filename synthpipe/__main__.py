import sys

from synthpipe.cli import main

sys.exit(main())
