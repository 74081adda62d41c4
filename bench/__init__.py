"""The benchmark and fault drill (issue 8): ``./dev bench`` (``python -m bench``); see BENCHMARKS.md.

``simulation`` simulates the platforms' APIs once (the feature scenarios use it too); ``fake_platforms``
serves it on loopback, as a process of its own;
``harness`` prepares the database, the accounts and the backlog; ``processes`` starts the fake platforms'
server and publisher processes; ``audit`` compares what became of the posts with the platforms;
``scenarios`` measures (backlog, scale-out, drill, faults); ``report`` prints the figures.
"""
