"""Entry point: `python main.py [LESSON.yaml] [options]` (same as `rnn-stepper`)."""

import sys

from stepper.cli import main

if __name__ == "__main__":
    sys.exit(main())
