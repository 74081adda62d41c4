"""The benchmark and fault drill (issue 8): ``./dev bench`` (``python -m bench``); see BENCHMARKS.md.

``fake_platforms`` is a loopback fake of the five platforms' publishing APIs, run as a process of its own;
``harness`` prepares the database, the accounts and the backlog and starts publisher processes;
``scenarios`` measures (backlog, scale-out, drill, faults); ``report`` prints the figures.
"""
