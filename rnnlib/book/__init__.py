"""Demonstrations that only the book's chapters use: hand-wired RNNs, the MLP of chapter 2,
the step-by-step derivation of chapter 4 and the source's errata."""
