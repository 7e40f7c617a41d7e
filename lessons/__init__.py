"""The built-in course. This folder is installed as the package `stepper.course`, so an installed
app reads its lessons with importlib.resources wherever it was installed."""
