"""`python -m webapp.launcher`, what `make run` runs."""

import sys

from webapp.launcher import main

sys.exit(main())
