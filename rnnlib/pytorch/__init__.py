"""PyTorch side of rnnlib: references for the hand-written BPTT, models and one training loop.

Importing this subpackage imports torch; ``import rnnlib`` does not.
"""
