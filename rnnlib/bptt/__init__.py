"""Chapter 3's algorithms: truncated and randomized BPTT, checkpointing, RTRL, and their costs.

Every function here returns a :class:`~rnnlib.bptt.result.GradientResult`
or :class:`rnnlib.Gradients`, so the book can compare each with full BPTT.
"""
