"""Chapter 9's online learning rules: the gradient of a stream, forwards in time, without RTRL's price.

Every rule here is an :class:`~rnnlib.online.base.OnlineRule`: it runs the RNN
one step at a time, carries some summary of ∂h_t/∂θ forward with the state,
and returns at each step an estimate of the gradient of that step's loss,
∂L_t/∂θ, through the whole past. Nothing from the past is stored.

* :class:`~rnnlib.online.rtrl.RTRL` carries the exact sensitivities (the
  forward-mode gradient of chapter 3, :func:`rnnlib.bptt.rtrl.rtrl`):
  O(H⁴) time and O(H³) memory per step. Exact with the weights frozen; in
  online training each step's sensitivities are computed with the weights
  of their time (the standard RTRL approximation).
* :class:`~rnnlib.online.uoro.UORO` (Tallec & Ollivier 2017) carries a
  random rank-one estimate s̃ θ̃ of the sensitivities: unbiased, noisy,
  O(H²) per step.
* :class:`~rnnlib.online.snap.SnAp1` (Menick et al. 2021) carries only the
  entries of the sensitivities that one step makes non-zero (each unit's own
  incoming weights): deterministic, biased, O(H²) per step.

:func:`~rnnlib.online.base.online_gradient` sums a rule's estimates over a
sequence with the weights held fixed, so that it can be compared with BPTT.
"""
