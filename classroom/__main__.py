"""``python -m classroom``: start, stop or ask about the classroom's JupyterHub (classroom/hub.py)."""
import sys

from .hub import main

sys.exit(main())
