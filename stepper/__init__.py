"""RNN Stepper: walk through what a tiny recurrent network computes, one operation at a time."""

__version__ = "0.1.0"
