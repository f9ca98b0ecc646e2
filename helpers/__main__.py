"""`python -m helpers`: check that this machine can run the course (see helpers.envcheck)."""

import sys

from helpers.envcheck import main

sys.exit(main())
