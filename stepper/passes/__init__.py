"""The passes after forward and backward, each one listing and one recording function.

A new pass is a module here (its listing and how it feeds blocks to the Recorder), its
name in stepper.trace.PHASES, and its diagram in stepper/views/ (registered in
stepper/views/screen.py's DIAGRAMS).
"""
