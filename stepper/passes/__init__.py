"""The passes after forward and backward, each one listing and one recording function.

A trace is an ordered list of passes (stepper.trace.PHASES); navigation, the B key, the
code panel, the status bar, narration, --pass and the frame exports walk that list. A
new pass is:
- a module here: its listing (parse_listing) and a function that feeds the Recorder one
  block per loop-body run, appending the pass to a trace;
- its name in stepper.trace.PHASES (and, if it records more than steps, a field on Trace);
- the line in stepper.session.Session that appends it to every trace;
- its diagram (and timeline) in stepper/views/, registered in stepper/views/screen.py.
"""
