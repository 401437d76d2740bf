"""Every text the exercise checkers show, in one table per language.

``STRINGS["en"]`` maps a key to an English template; ``{name}`` marks a value
filled in by :func:`text` (``str.format``; a template used without values, such
as a mistake's description, is shown as it is, so its braces need no doubling). A translation is a second table
with the same keys and placeholders (``STRINGS["zh"] = {...}``); a key it
lacks falls back to English, so a translation can be added piece by piece.
:func:`set_language` (or the environment variable ``RNNLIB_LANG`` when rnnlib
is imported) chooses the table; ``tests/test_exercises_strings.py`` checks
that every key used in the code exists and that every translation has the
placeholders of the English template.

Mistake descriptions are keyed ``"<checker>.<mistake>"`` (``"bptt.not-transposed"``),
variant labels ``"<checker>.<mistake>.<variant>"`` when the variant needs words.
Descriptions say what is wrong and what is right, in the equations and, where
the code differs from the equations, in the row form the book's code uses
(rows are sequences: ``h_prev @ W_hh.T`` is W_hh h_{t−1}).
"""

from __future__ import annotations

import os
import string

STRINGS: dict[str, dict[str, str]] = {"en": {
    # --- the feedback box ------------------------------------------------------------------
    "status.passed": "passed",
    "status.failed": "failed",
    "mistakes": "Mistakes: {names}",
    "see": "See “{title}” ({where}): {local}",
    "see.online": "Online: {url}",
    "see.html": "See {local} ({where})",
    "see.html.online": "online",
    "where.section": "section {number}",
    # sections the messages link to: topic -> title as in the chapter
    "section.forward": "The forward equations",
    "section.derivation": "The vectorised batch form",
    "section.errata": "The source's formulas",
    "section.truncation": "Truncated BPTT",
    "section.clipping": "Algorithm 1: clip the norm, keep the direction",
    "section.jacobian": "The Jacobian product",
    "section.gated": "Your turn: the LSTM's backward pass",
    # --- calling the reader's function -----------------------------------------------------
    "stub.raised": "Your function is not implemented yet (it raised NotImplementedError).",
    "stub.notimplemented": "Your function is not implemented yet (it returned NotImplemented).",
    "stub.none": "Your function is not implemented yet: it returned None (is a `return` missing?).",
    "none.some": "Your function returned None on {n} of the {total} cases{which}, and a result on the "
                 "others: check that every path through it reaches a `return` (a `return` indented one "
                 "level too deep, inside an `if` or a loop, is skipped on some paths). It returned None "
                 "for:\n{cases}",
    "none.some.common": " (every case with {parts})",
    "none.some.case": "- {case}",
    "reader.raised": "Your function raised {error}{detail}{where}\n(called as {call}).",
    "reader.at": " in {function}(), at: {code}",
    "reader.in": " in {function}()",
    "reader.not_callable": "fn must be a function {call}, got {got}",
    "call.with": "{call} with {case}",
    # --- what it returned -------------------------------------------------------------------
    "result.not_dict": "Your function must return a dict with keys {keys}, got {got}.",
    "result.keys": "{What} has {problems}; expected keys {keys}.",
    "result.missing": "missing key(s) {keys}",
    "result.unknown": "unknown key(s) {keys}",
    "result.and": " and ",
    "result.what": "the returned dict",
    "array.not_numeric": "{name} is not a numeric array (got {got}).",
    "array.shape": "{name} has shape {shape}, expected {labels} = {expected}{hint}.",
    "array.hint.transposed": " (transposed?)",
    "array.hint.reshape": " (same number of entries: reshape it to {expected})",
    "array.not_finite": "{name} contains NaN or infinite values.",
    "forward.not_pair": "Your function must return a tuple (h, o), got {got}{length}.",
    "forward.length": " of length {n}",
    "forward.with_h0": "h has shape {shape}: T+1 states. Return h_1 … h_T only (without h_0), "
                       "shape (T, B, H) = {expected}.",
    "jacobian.result": "the returned Jacobian",
    # --- verdicts ---------------------------------------------------------------------------
    "passed": "Your function agrees with the reference on all {n} cases (relative error ≤ {tol}).",
    "passed.note": "Your function agrees with the reference on all {n} cases (relative error ≤ {tol}), "
                   "{note}.",
    "passed.bptt": "All five gradients agree with the reference on {n} cases, each with loss_at='all' and "
                   "loss_at='last' (relative error ≤ {tol} per parameter).",
    "note.torch_eps": "with PyTorch's convention threshold / (‖g‖ + 1e-6)",
    "reference.called": "Not counted: your function calls {name}, the book's own implementation of "
                        "what this exercise asks you to write, so the result is the book's, not yours. "
                        "Write the computation yourself{allowed}.",
    "reference.allowed": " (you may use {names})",
    "reference.allowed.chunks": "RNN.forward, RNN.backward without truncate, and losses.mse",
    "reference.allowed.bptt": "numpy, torch.autograd, RNN.forward and losses.mse",
    "reference.allowed.forward": "numpy and rnnlib.activations",
    "reference.allowed.clipping": "numpy",
    "reference.allowed.jacobian": "numpy and torch.autograd",
    "reference.allowed.lstm": "numpy, torch.autograd, LSTM.forward and losses.mse",
    "explained.one": "1 mistake explains every case:",
    "explained.many": "{n} mistakes explain every case:",
    "explained.item": "- {name}{variant}: {description}",
    "explained.failed": "On some cases your function failed, as these mistakes predict: {error}",
    "explained.failed.bptt": "Your function failed on the cases with n_out ≠ H, as a missing transpose "
                             "of W_ho predicts: {error}",
    "explained.failed.nothing": "Where this leaves no loss to backpropagate (every gradient 0), your "
                                "function failed, as it does when no backward() ran and a .grad is "
                                "still None: {error}",
    "explained.ran.one": "On the {ran} of {total} cases your function ran on, 1 mistake explains every "
                         "difference:",
    "explained.ran.many": "On the {ran} of {total} cases your function ran on, {n} mistakes explain "
                          "every difference:",
    "explained.failed.others": "On the other cases your function failed: {error}",
    "unexplained": "No known mistake explains the difference.",
    "unexplained.rest": "Even with the transposed gradients turned back, your gradients differ, and no "
                        "known mistake explains that.",
    "differs": "Differs from the reference in: {items}.",
    "differs.item": "{name} (relative error {error})",
    "right": "Right: {names}.",
    "first.case": "First seen on the case {case}.",
    "first.case.detail": "First seen on the case {case}: {detail}",
    "first.step": "{name} first differs at time step t = {t}.",
    "first.bptt": "First seen with loss_at={loss_at!r} on the case {case}.",
    "prefix.one": "Already wrong for a sequence of a single step (T = 1), before any error flows back "
                  "through time.",
    "prefix.later": "On the first {ok} step(s) of the sequence your gradients are right, on the first "
                    "{bad} they are not: look at what step t = {bad} adds.",
    "prefix.recurrence": "With W_hh = 0 (no error flows back through time) your gradients are right: "
                         "the difference comes from W_hh, in the error that flows back through it, "
                         "W_hhᵀ δ_(t+1) (in row form Delta_next @ W_hh), or in your forward pass.",
    "probe.forward": "Your forward pass seems to differ from the model's: the state that your "
                     "∂L/∂W_ho pairs with the error of step t = {t} is not the model's h_{t}{ok}. "
                     "Check your forward pass (chapter 2 has check_forward) or the state in ∂L/∂W_ho.",
    "probe.forward.ok": " (up to step {last} it is)",
    "probe.chunks": "From step t = {t} on, the states your gradients use are not the model's: the "
                    "state that your ∂L/∂W_ho pairs with the error of step t = {t} is not h_{t}{ok}. "
                    "Check the state each chunk starts from: the last state of the chunk before "
                    "(h = chunk.h[-1]).",
    "probe.chunks.torch": "From step t = {t} on, the states your gradients use are not the model's: "
                          "the state that your ∂L/∂W_ho pairs with the error of step t = {t} is not "
                          "h_{t}{ok}. Check the state each chunk starts from: the last state of the "
                          "chunk before, detached (h = h.detach() with h that last state).",
    "prefix.later.named": "On the first {ok} step(s) of the sequence your gradients are right, on the "
                          "first {bad} they are not.",
    "prefix.scaled": "On the first {ok} step(s) of the sequence your gradients are right; on the first "
                     "{bad} the whole result is c × the reference ({c}): a factor on every step's term "
                     "(1 for the shorter sequences), not a term that one step adds. Remove the factor.",
    "prefix.scaled.here": "there c = {c}; c changes with the length",
    "scale.all": "Your result is exactly c × the reference on every case: {pattern}.",
    "scale.some": "{names}: exactly c × the reference on every case, {pattern}.",
    "scale.constant": "c = {c}",
    "scale.per_case": "c = {values} on the cases in turn",
    "scale.hint.-1": "c = −1: a sign is flipped (the error is o − y, ∂L/∂o, not y − o)",
    "scale.hint.2": "c = 2: the ½ of the loss ½‖o − y‖² is lost (∂L/∂o = o − y)",
    "scale.hint.0.5": "c = 1/2: an extra factor ½ (∂L/∂o = o − y, not (o − y)/2)",
    "scale.hint.1/T": "c = 1/T: divided by the number of steps T (by B·T where only B belongs)",
    "scale.hint.T": "c = T: multiplied by the number of steps T",
    "scale.hint.B": "c = B: the 1/B of the batch mean is missing",
    "scale.hint.1/B": "c = 1/B: the 1/B of the batch mean is applied twice",
    "scale.hint.1/k": "c = 1/k: divided by the chunk length k",
    "scale.hint.chunks": "c = 1/(number of chunks): averaged over the chunks instead of summed",
    # --- check_bptt's mistakes -------------------------------------------------------------
    "bptt.missing-recurrent-term": "δ_t lacks the recurrent term W_hhᵀ δ_{t+1}: the error of a step never "
    "reaches the earlier steps. δ_t = f'(a_t) ⊙ (W_hoᵀ e_t + W_hhᵀ δ_{t+1}); in row form "
    "Delta[t] = fp[t] * (E[t] @ W_ho + Delta_next @ W_hh).",
    "bptt.derivative-at-state": "tanh' is evaluated at h_t, 1 − tanh(h_t)², instead of at a_t: "
    "tanh'(a_t) = 1 − h_t² (in code 1 - h[t]**2, with h[t] = tanh(a_t) already computed).",
    "bptt.wrong-tanh-derivative": "the derivative of h_t = tanh(a_t) is wrong: tanh'(a_t) = 1 − h_t², "
    "with h_t the state of the same step t (in code 1 - h[t]**2).",
    "bptt.wrong-tanh-derivative.1-h": "1 − h_t",
    "bptt.wrong-tanh-derivative.h(1-h)": "h_t (1 − h_t), the sigmoid's derivative formula",
    "bptt.wrong-tanh-derivative.previous": "1 − h_{t−1}², the state of the step before",
    "bptt.wrong-tanh-derivative.1-a2": "1 − a_t², the pre-activation squared",
    "bptt.wrong-tanh-derivative.none": "no tanh' at all",
    "bptt.wrong-tanh-derivative.(1-h)^2": "(1 − h_t)², the square outside the parentheses",
    "bptt.missing-output-derivative": "the factor σ'(z_t) = o_t ⊙ (1 − o_t) of the sigmoid output is "
    "missing from (or wrong in) e_t = ∂L/∂z_t = σ'(z_t) ⊙ (o_t − y_t).",
    "bptt.missing-output-derivative.1-o2": "1 − o_t², tanh's derivative, where the sigmoid's "
    "o_t (1 − o_t) belongs",
    "bptt.output-derivative-at-output": "σ' is evaluated at o_t, σ(o_t)(1 − σ(o_t)), instead of at z_t: "
    "σ'(z_t) = o_t (1 − o_t), with o_t = σ(z_t) already computed.",
    "bptt.wrong-loss-steps": "errors (o_t − y_t) are taken at steps that carry no loss, or missing at "
    "steps that do: loss_at='last' has an error at step T only (E[-1] in code), loss_at='all' at every step.",
    "bptt.wrong-loss-steps.all": "every step, whatever loss_at says",
    "bptt.wrong-loss-steps.last": "the last step only, whatever loss_at says",
    "bptt.wrong-loss-steps.swapped": "the other placement's steps",
    "bptt.wrong-loss-steps.first": "the first step (E[0]) for loss_at='last'",
    "bptt.not-transposed": "a matrix is transposed the wrong way on the way back. In the equations "
    "δ flows back through W_hhᵀ (and from the output through W_hoᵀ); in the row form of the book's "
    "code that is Delta_next @ W_hh and E[t] @ W_ho, with no .T: an extra .T there (or W_hh @ delta "
    "in column form) is this mistake.",
    "bptt.not-transposed.W_hh": "W_hh",
    "bptt.not-transposed.W_ho": "W_ho",
    "bptt.not-transposed.both": "W_hh and W_ho",
    "bptt.no-sum-over-time": "a gradient is the term of a single step instead of the sum over all steps "
    "(as `=` in place of `+=` in a backward loop gives): weights are shared over time.",
    "bptt.batch-scale": "the 1/B of the batch mean is wrong: e_t = σ'(z_t) ⊙ (o_t − y_t) / B, divided "
    "by B once.",
    "bptt.batch-scale.missing": "missing",
    "bptt.batch-scale.twice": "applied twice",
    "bptt.batch-scale.BT": "1/(B·T) instead of 1/B",
    "bptt.error-sign-flipped": "the sign of the error is flipped: ∂L/∂o_t = o_t − y_t, not y_t − o_t "
    "(every gradient comes out with the opposite sign).",
    "bptt.initial-state-ignored": "the forward pass starts from zeros instead of the given h0: "
    "h_0 = h0 enters a_1 = W_xh x_1 + W_hh h_0 + b_h and ∂L/∂W_hh's first term δ_1 h_0ᵀ.",
    "bptt.missing-bias": "a bias is missing from the forward pass: a_t needs + b_h, z_t needs + b_o "
    "(the gradients are then those of another model).",
    "bptt.missing-bias.b_h": "b_h",
    "bptt.missing-bias.b_o": "b_o",
    "bptt.missing-bias.both": "b_h and b_o",
    "bptt.forward-not-transposed": "the forward pass applies W_hh transposed: a_t = W_xh x_t + W_hh h_{t−1} "
    "+ b_h, which in row form is h_prev @ W_hh.T (with the .T); the backward pass then uses Delta_next @ W_hh.",
    "bptt.carries-dh": "∂L/∂h_{t+1} is carried back instead of δ_{t+1}: the recurrent term is "
    "W_hhᵀ δ_{t+1}, with δ_{t+1} = f'(a_{t+1}) ⊙ ∂L/∂h_{t+1} already multiplied by tanh' "
    "(in row form Delta_next @ W_hh, with Delta_next = Delta[t+1]).",
    "bptt.misplaced-derivative": "tanh' multiplies only one of the two terms: δ_t = f'(a_t) ⊙ (W_hoᵀ e_t + "
    "W_hhᵀ δ_{t+1}) multiplies their sum; in code fp[t] * (E[t] @ W_ho + Delta_next @ W_hh), with the "
    "parentheses (* and @ bind equally, left to right).",
    "bptt.misplaced-derivative.recurrent only": "on the recurrent term only",
    "bptt.misplaced-derivative.output only": "on the output term only",
    "bptt.h0-missing-from-states": "∂L/∂W_hh pairs δ_1 with h_T instead of h_0: a list of states without "
    "h0 makes hs[t-1] the last state at t = 1 (numpy's index -1). ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ, with "
    "h_0 = h0 at t = 1: keep h0 as the first entry of the states.",
    "bptt.missing-output-activation": "the forward pass has no sigmoid on the output: o_t = σ(z_t), and "
    "e_t = σ'(z_t) ⊙ (o_t − y_t) uses that o_t.",
    "bptt.loop-forward-in-time": "the recursion runs forwards in time: δ_t needs δ_{t+1}, so the loop "
    "runs t = T, …, 1 (for t in reversed(range(T))) starting from δ_{T+1} = 0.",
    "bptt.state-off-by-one": "∂L/∂W_hh uses h_t where h_{t−1} belongs: ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ "
    "(in row form Delta[t].T @ h[t-1] with h[0] = h0, or Delta[t].T @ h_prev).",
    "bptt.input-off-by-one": "∂L/∂W_xh pairs δ_t with another step's input (x_{t−1} unless said) where "
    "x_t belongs: ∂L/∂W_xh = Σ_t δ_t x_tᵀ; in code x[t] pairs with Delta[t] (x has T entries, h has T + 1).",
    "bptt.input-off-by-one.next": "x_{t+1}, the next step's input (x[t] with t counted as in h[t])",
    "bptt.aliased-buffer": "the δ_t are stored in one array reused for every step ([np.zeros_like(h0)] * T "
    "is T references to one array, and an in-place write changes them all), so every stored δ_t is the "
    "same; create one array per step (np.zeros((T, B, H)), or append a new array).",
    "bptt.aliased-buffer.assigned": "written with [:] =, every δ_t holds the last one computed",
    "bptt.aliased-buffer.accumulated": "written with +=, every δ_t holds the running sum, which also "
    "flows back as δ_{t+1}",
    "bptt.nonzero-initial-carry": "the error carried into step T does not start at zero: nothing comes "
    "back from after the last step, δ_{T+1} = 0 (np.zeros, not np.ones).",
    "bptt.nonzero-initial-carry.ones": "ones",
    "bptt.output-state-off-by-one": "∂L/∂W_ho uses h_{t−1} where h_t belongs: ∂L/∂W_ho = Σ_t e_t h_tᵀ "
    "(the state the output of step t was computed from).",
    "bptt.gradient-transposed": "a weight's gradient is transposed: it must have the weight's shape, "
    "the receiving units' index first (∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ, ∂L/∂W_xh = Σ_t δ_t x_tᵀ, "
    "∂L/∂W_ho = Σ_t e_t h_tᵀ); in row form Delta[t].T @ h_prev, Delta[t].T @ x[t] and "
    "E[t].T @ h[t], not the reverse products.",
    "bptt.error-aliases-output": "E = o makes E another name for o, so E -= y changes o too, and "
    "E *= o * (1 - o) then uses o − y in place of o: your e_t is (o_t − y_t)² ⊙ (1 − o_t + y_t) / B "
    "instead of σ'(z_t) ⊙ (o_t − y_t) / B. Write E = o - y (a new array) or E = o.copy().",
    "bptt.divided-by-B-again": "this gradient is divided by B once more: e_t already holds the 1/B "
    "of the batch mean, so the sums over t and the batch need no further / B.",
    # --- check_forward's mistakes -----------------------------------------------------------
    "forward.initial-state-ignored": "the recursion starts from zeros instead of the given h_0.",
    "forward.state-not-carried": "every step uses h_0 instead of the previous state h_{t−1}.",
    "forward.not-transposed": "W_hh is applied transposed: a_t = W_xh x_t + W_hh h_{t−1} + b_h, "
    "which in row form is h_prev @ W_hh.T (with the .T).",
    "forward.missing-bias": "a bias is missing: a_t needs + b_h, z_t needs + b_o.",
    "forward.missing-bias.b_h": "b_h",
    "forward.missing-bias.b_o": "b_o",
    "forward.missing-bias.both": "b_h and b_o",
    "forward.missing-output-activation": "o_t = z_t is returned without the sigmoid: o_t = σ(z_t).",
    "forward.wrong-output-activation": "the output activation is not the sigmoid: o_t = σ(z_t) = "
    "1 / (1 + exp(−z_t)).",
    "forward.wrong-output-activation.tanh": "tanh",
    "forward.wrong-output-activation.softmax": "softmax",
    "forward.wrong-hidden-activation": "the hidden activation is not tanh: h_t = tanh(a_t).",
    "forward.wrong-hidden-activation.sigmoid": "sigmoid",
    "forward.wrong-hidden-activation.relu": "ReLU",
    "forward.wrong-hidden-activation.none": "none (h_t = a_t)",
    "forward.output-from-previous-state": "o_t is computed from h_{t−1} instead of h_t.",
    "forward.input-off-by-one": "step t reads x_{t−1} instead of x_t (in code x[t] belongs to the "
    "step that makes h[t+1] when h[0] = h0).",
    "forward.bias-after-activation": "b_h is added after tanh: h_t = tanh(W_xh x_t + W_hh h_{t−1} + b_h), "
    "the bias inside.",
    "forward.output-from-pre-activation": "o_t is computed from a_t instead of h_t = tanh(a_t): "
    "z_t = W_ho h_t + b_o.",
    "forward.states-before-activation": "the returned states are the pre-activations a_t, not "
    "h_t = tanh(a_t).",
    "forward.aliased-buffer": "one array is appended T times (h[:] = … or an in-place update, then "
    "hs.append(h)): every entry of the list is that array, so every returned state is h_T. Append a new "
    "array each step (h = np.tanh(…), or hs.append(h.copy())).",
    "forward.aliased-buffer.h and o": "the outputs computed from those states too",
    "forward.states-before-update": "each state is appended before it is updated, so h holds "
    "h_0 … h_{T−1} instead of h_1 … h_T: append h after h = np.tanh(…).",
    "forward.states-before-update.h and o": "the outputs computed from those states too (o_t from "
    "h_{t−1})",
    "forward.states-before-update.h only": "the outputs, computed from the updated state, are right",
    "forward.aliased-buffer.h only": "the outputs, computed inside the loop, are right",
    # --- truncation -------------------------------------------------------------------------
    "truncation.truncation-confused": "per-term BPTT(k) and chunk-and-detach are confused. Per-term "
    "BPTT(k) lets the error of every step t flow back k steps (cells t−k+1 … t); chunk-and-detach cuts "
    "the sequence into chunks of k steps and lets no gradient cross a chunk boundary, so the loss at "
    "the j-th step of a chunk sees only j steps.",
    "truncation.no-truncation": "the gradient is the full BPTT gradient: nothing is cut.",
    "truncation.truncation-off-by-one": "the truncation length is off by one (k−1 or k+1 steps "
    "instead of k).",
    "truncation.state-not-carried": "a chunk does not start from the last state of the previous "
    "chunk: only the gradient is cut at a boundary (detach), the state is carried on "
    "(h = chunk.h[-1] after each chunk).",
    "truncation.state-not-carried.h0": "each chunk starts from h0 again",
    "truncation.state-not-carried.zeros": "every chunk starts from zeros (rnn.forward without its "
    "second argument), not even the first from h0",
    "truncation.state-not-carried.second-to-last": "each chunk starts from the state before the last "
    "step of the previous chunk (chunk.h[-2]); the last state is chunk.h[-1]",
    "truncation.loss-at-chunk-ends": "with loss_at='last' a loss is put at the end of every chunk; "
    "the loss is at step T only, so only the chunk that holds step T has one.",
    "truncation.last-chunk-dropped": "the last, shorter chunk is dropped when k does not divide T: "
    "chunks start at 0, k, 2k, … while start < T (range(0, T, k)), the last one stops at T.",
    "truncation.last-chunk-dropped.T-k": "the loop stops before T − k (range(0, T - k, k)), so the "
    "last chunk is dropped even when it is full",
    "truncation.loss-at-ignored": "with loss_at='last' your steps before T get a loss too "
    "(at=\"all\"); only step T should have one: pass at=loss_at to losses.mse.",
    "truncation.loss-at-ignored.every step": "loss_at is ignored: every step has a loss",
    "truncation.loss-at-ignored.last chunk": "the chunk that holds step T gets a loss at every one "
    "of its steps, the other chunks none",
    "truncation.missing-output-activation": "the output has no sigmoid: the model is "
    "RNN.from_params(params, output_activation=\"sigmoid\").",
    "truncation.only-last-chunk": "only one chunk's gradient is kept: the gradients of all chunks are "
    "summed (+=, not =).",
    "truncation.chunks-averaged": "the sum of the chunks' gradients is divided by a number of "
    "chunks: chunk-and-detach only sums them (each chunk's gradient is the gradient of the part of "
    "the loss in that chunk), so remove the division.",
    "truncation.chunks-averaged.chunks": "by the number of chunks",
    "truncation.chunks-averaged.with a loss": "by the number of chunks that have a loss",
    "truncation.chunks-averaged.T/k": "by T / k",
    "truncation.chunks-averaged.T//k": "by T // k",
    "truncation.overlapping-chunks": "the chunks overlap: they must start at 0, k, 2k, … "
    "(range(0, T, k)) and take k steps each (x[start:start + k]), so that every step is in exactly "
    "one chunk.",
    "truncation.overlapping-chunks.stride k-1": "they start every k − 1 steps (range(0, T, k - 1))",
    "truncation.overlapping-chunks.length k+1": "each takes k + 1 steps (x[start:start + k + 1])",
    "truncation.targets-not-sliced": "every chunk is compared with the first targets y[0:len]; chunk "
    "[start, stop) needs y[start:stop].",
    "truncation.failed.none": "A .grad is None: no backward() reached that parameter. No chunk with a "
    "loss was backpropagated: for loss_at='last' only the chunk that holds step T has one; is it "
    "dropped?",
    # in PyTorch code ("truncation.torch.<mistake>[.<variant>]"): the same fixes in its terms
    "truncation.torch.only-last-chunk": "only one chunk's gradient is kept: the gradients of all "
    "chunks are summed, and backward() adds into .grad, so do not zero .grad (p.grad = None, "
    "zero_grad()) between chunks.",
    "truncation.torch.state-not-carried": "a chunk does not start from the last state of the "
    "previous chunk: only the gradient is cut at a boundary, the state is carried on (h = "
    "h.detach() carrying the last state of the chunk before).",
    "truncation.torch.state-not-carried.zeros": "every chunk starts from zeros, not even the first "
    "from h0",
    "truncation.torch.state-not-carried.second-to-last": "each chunk starts from the state before "
    "the last step of the previous chunk; carry the state of its last step",
    "truncation.torch.loss-at-ignored": "with loss_at='last' your steps before T get a loss too; "
    "only step T should have one: the loss of the chunk that holds step T is over o[-1] and y[-1] "
    "only.",
    "truncation.torch.missing-output-activation": "the output has no sigmoid: o_t = σ(W_ho h_t + "
    "b_o), in code torch.sigmoid(h @ W_ho.T + b_o).",
    # --- clipping ---------------------------------------------------------------------------
    "clipping.biases-left-out": "the biases are left out of the norm: ‖g‖ = sqrt(Σ_θ ‖∂L/∂θ‖²) sums over "
    "every parameter, b_h and b_o included (all the gradients that are rescaled).",
    "clipping.in_place": "Your function also rescales the given arrays in place, as PyTorch's "
    "clip_grad_norm_ does: allowed here (the returned dict is what is checked), but the caller's "
    "gradients change too; return new arrays (g * factor) to leave them as they were.",
    "clipping.biases-not-rescaled": "only the weight matrices are rescaled: multiply every gradient, "
    "b_h and b_o included, by threshold / ‖g‖, so that the direction of the whole ĝ is kept.",
    "clipping.per-parameter-norm": "each parameter is clipped by its own norm; norm clipping uses the "
    "norm of all gradients together, ‖g‖ = sqrt(Σ_θ ‖∂L/∂θ‖²), so that the direction is kept.",
    "clipping.value-clipping": "each entry is clipped to [−threshold, threshold] (value clipping): that "
    "changes the direction; norm clipping rescales the whole gradient.",
    "clipping.rescales-below-threshold": "the gradient is rescaled to length threshold even when its "
    "norm is already below it; only ‖g‖ > threshold is rescaled.",
    "clipping.no-square-root": "the squared norm Σ g² is used where the norm sqrt(Σ g²) belongs.",
    "clipping.sum-of-norms": "the total norm is the sum of the parameters' norms, Σ_θ ‖∂L/∂θ‖; it is the "
    "square root of the sum of their squares, sqrt(Σ_θ ‖∂L/∂θ‖²).",
    "clipping.ratio-inverted": "the factor is inverted: the gradient is multiplied by threshold / ‖g‖ "
    "(≤ 1 when clipping), not by ‖g‖ / threshold.",
    "clipping.max-norm": "the largest entry |g_i| is used as the norm; the norm is sqrt(Σ g²) over all "
    "entries of all parameters.",
    "clipping.case.above": "threshold {threshold}, gradient norm {norm} (above: rescaled to the threshold)",
    "clipping.case.below": "threshold {threshold}, gradient norm {norm} (below: returned unchanged)",
    "clipping.norms": "There your result has norm {got}; the clipped gradient has norm min(‖g‖, threshold) = "
                      "{expected}.",
    "clipping.condition-inverted": "the test is inverted: the gradient is rescaled when its norm is "
    "below the threshold and left alone above it; rescale when ‖g‖ > threshold.",
    "clipping.norm-recomputed-in-loop": "the norm is recomputed inside the loop over parameters, after "
    "some of them are already rescaled (in place), so later parameters get another factor: compute "
    "‖g‖ once, before rescaling any of them.",
    "clipping.mean-of-squares": "the norm averages the squares (np.mean); it sums them: "
    "‖g‖ = sqrt(Σ g²).",
    # --- the Jacobian -----------------------------------------------------------------------
    "jacobian.wrong-order": "the factors are multiplied in the wrong order: ∂h_T/∂h_t = "
    "diag(f'(a_T)) W_hh ⋯ diag(f'(a_{t+1})) W_hh, the factor k = T leftmost (J ← F_k J).",
    "jacobian.not-transposed": "W_hhᵀ is used where W_hh belongs (∂h_k/∂h_{k−1} = diag(f'(a_k)) W_hh).",
    "jacobian.derivative-on-right": "W_hh diag(f'(a_k)) is used where diag(f'(a_k)) W_hh belongs "
    "(in code (1 - h[k]**2)[:, None] * W_hh scales the rows).",
    "jacobian.derivative-at-state": "tanh' is evaluated at h_k, 1 − tanh(h_k)², instead of 1 − h_k².",
    "jacobian.derivative-at-previous-state": "tanh' of step k is taken at h_{k−1}: "
    "∂h_k/∂h_{k−1} = diag(1 − h_k²) W_hh, with the state of the same step k.",
    "jacobian.missing-derivative": "the factor diag(f'(a_k)) is missing.",
    "jacobian.wrong-range": "the product runs over the wrong steps: k = t+1 … T (T − t factors).",
    "jacobian.wrong-range.without k=T": "without k = T",
    "jacobian.wrong-range.without k=t+1": "without k = t+1",
    "jacobian.wrong-range.with k=t": "with an extra factor k = t",
    "jacobian.initial-state-ignored": "the recurrence starts from zeros instead of the given h0.",
    "jacobian.single.right": "For t = T − 1 (the single factor diag(f'(a_T)) W_hh) your result is right: "
                             "the difference is in how the factors are chained (order, range).",
    "jacobian.single.wrong": "Already the single factor ∂h_T/∂h_(T−1) = diag(f'(a_T)) W_hh (t = T − 1) is "
                             "wrong: look at one step's factor first.",
    "jacobian.transposed-result": "the result is transposed: (∂h_T/∂h_t)_{ij} = ∂h_{T,i}/∂h_{t,j}, "
    "rows are the units of h_T.",
    # --- check_lstm_backward ------------------------------------------------------------------
    "passed.lstm": "All {n_keys} gradients ({n_params} parameters, h0 and c0) agree with the reference on "
                   "{n} cases, each with loss_at='all' and loss_at='last' (relative error ≤ {tol} each).",
    "lstm.unexplained": "No set of up to {size} known mistakes explains the difference.",
    "lstm.search.larger": "Sets of more than {size} mistakes are not tried (check_lstm_backward(fn, "
                          "max_mistakes={more}) tries them, more slowly).",
    "lstm.search.gave_up": "No set of up to {done} known mistakes explains the difference. The search "
                           "stopped at its limit of max_tries={tries} mistaken references, before it had "
                           "tried every set of {size} (a larger budget, check_lstm_backward(fn, "
                           "max_tries=10_000), tries them all, more slowly).",
    "lstm.search.gave_up.singles": "The search stopped at its limit of max_tries={tries} mistaken "
                                   "references, before it had tried every single mistake.",
    "lstm.differs": "Differs from the reference in: {items} (relative errors).",
    "lstm.differs.item": "{name} ({error})",
    "lstm.prefix.one": "Already wrong for a sequence of a single step (T = 1), before any error flows "
                       "back through time, in: {names}.",
    "lstm.prefix.later": "Time step t = {bad} is the first to go wrong: on the first {ok} step(s) your "
                         "gradients are right, on the first {bad} they are not (the error has to flow "
                         "back {ok} step(s), through h and through c), in: {names}.",
    "lstm.prefix.later.readout": "Time step t = {bad} is the first to go wrong: on the first {ok} step(s) "
                                 "your gradients are right, on the first {bad} they are not, in: {names}. "
                                 "Among them the readout's {readout}, which take(s) no error from later "
                                 "steps (∂L/∂W_ho = Σ_t e_t h_tᵀ, ∂L/∂b_o = Σ_t e_t): look at "
                                 "e_t = ∂L/∂o_t, at the steps that carry a loss (loss_at), and at h_t.",
    "lstm.prefix.recurrence": "With every W^κ_h = 0 (no error flows back through h, only along the cell "
                              "path) your gradients are right: the difference comes from the recurrent "
                              "weights, in the error they pass back, Σ_κ (W^κ_h)ᵀ δ^κ_{t+1} (in row form "
                              "d_k @ Wk_h, summed over the four layers), or in your forward pass.",
    "lstm.missing-cell-carry": "c̄_t lacks the carry c̄_{t+1} ⊙ Γ^f_{t+1}: the cell's error never flows back "
    "along the cell path. c̄_t = h̄_t ⊙ Γ^o_t ⊙ tanh'(c_t) + c̄_{t+1} ⊙ Γ^f_{t+1}; in code "
    "dc = dh * go * (1 - tanh_c**2) + dc_next, with dc_next = dc * gf passed on from the step after.",
    "lstm.cell-carry-gate": "the cell's error is carried back with the wrong forget gate: c̄_t receives "
    "c̄_{t+1} ⊙ Γ^f_{t+1}, the gate that multiplied c_t on the way forward (c_{t+1} = Γ^f_{t+1} ⊙ c_t + …); "
    "in code dc_next = dc * gf, with the gate of the step just processed.",
    "lstm.cell-carry-gate.without forget gate": "no forget gate at all (dc_next = dc)",
    "lstm.cell-carry-gate.previous forget gate": "the forget gate of the step before, Γ^f_{t−1}",
    "lstm.missing-h-path-into-c": "c̄_t lacks h̄_t ⊙ Γ^o_t ⊙ tanh'(c_t): the cell also reaches the loss "
    "through h_t = Γ^o_t ⊙ tanh(c_t) (in code dc = dh * go * (1 - tanh_c**2) + dc_next).",
    "lstm.output-gate-uses-c": "the output gate's error uses c_t where tanh(c_t) belongs: "
    "δ^o_t = h̄_t ⊙ tanh(c_t) ⊙ Γ^o_t(1 − Γ^o_t); in code dh * tanh_c * go * (1 - go), with "
    "tanh_c = tanh(c_t), not the cell c_t itself.",
    "lstm.cell-tanh-derivative": "tanh'(c_t) is wrong in the path from h_t into c_t: tanh'(c_t) = "
    "1 − tanh²(c_t), in code 1 - tanh_c**2 (c_t itself is not a tanh output).",
    "lstm.cell-tanh-derivative.1 - c^2": "1 − c_t², as if c_t were a tanh output",
    "lstm.cell-tanh-derivative.missing": "no tanh'(c_t) at all",
    "lstm.sigmoid-derivative": "the gates' derivative σ' is taken at the wrong quantity: for a gate "
    "Γ = σ(a), σ'(a) = Γ(1 − Γ), from the gate's value (in code gf * (1 - gf), with gf the stored gate).",
    "lstm.sigmoid-derivative.at pre-activation": "a(1 − a), from the pre-activation a",
    "lstm.sigmoid-derivative.at gate value": "σ(Γ)(1 − σ(Γ)), the sigmoid applied to the gate once more",
    "lstm.sigmoid-derivative.missing": "no σ' at all",
    "lstm.sigmoid-derivative.tanh'": "1 − Γ², tanh's derivative, for the three gates",
    "lstm.sigmoid-derivative.tanh' at o": "1 − Γ², tanh's derivative, for the output gate",
    "lstm.candidate-tanh-derivative": "the candidate's derivative is wrong: for c̃_t = tanh(a^c_t), "
    "tanh'(a^c_t) = 1 − c̃_t², in code 1 - gc**2 with gc = trace.c_tilde, already a tanh.",
    "lstm.candidate-tanh-derivative.at value": "1 − tanh²(c̃_t), tanh applied to the candidate once more",
    "lstm.candidate-tanh-derivative.missing": "no tanh' at all",
    "lstm.candidate-tanh-derivative.sigmoid'": "c̃_t (1 − c̃_t), the sigmoid's derivative (the "
    "candidate is a tanh, not a gate)",
    "lstm.forget-gate-uses-c_t": "the forget gate's error uses c_t where c_{t−1} belongs: "
    "δ^f_t = c̄_t ⊙ c_{t−1} ⊙ Γ^f_t(1 − Γ^f_t), the cell the step started from (trace.c holds "
    "c_0 … c_T, so with t counted from 1, c_{t−1} is trace.c[t - 1]).",
    "lstm.input-candidate-swapped": "the input gate and the candidate are swapped in their errors: "
    "δ^i_t = c̄_t ⊙ c̃_t ⊙ Γ^i_t(1 − Γ^i_t) and δ^c_t = c̄_t ⊙ Γ^i_t ⊙ (1 − c̃_t²); in code "
    "dc * gc * gi * (1 - gi) and dc * gi * (1 - gc**2).",
    "lstm.missing-recurrent-term": "h̄_t lacks the recurrent term Σ_κ (W^κ_h)ᵀ δ^κ_{t+1}: through h, the error "
    "of a step never reaches the earlier steps (only the cell path carries it). In code "
    "dh = e_t @ W_ho + dh_next, with dh_next = Σ_κ d_k @ Wk_h from the step after.",
    "lstm.missing-candidate-recurrent-term": "the error passed back to h_t lacks the candidate's term "
    "(W^c_h)ᵀ δ^c_{t+1}: the sum Σ_κ (W^κ_h)ᵀ δ^κ_{t+1} runs over all four layers i, f, c̃, o, since "
    "c̃_{t+1} reads h_t through W^c_h. In code dh_next sums d_k @ Wk_h over k in \"ifco\": add d_c @ Wc_h.",
    "lstm.not-transposed": "the recurrent matrices are used the wrong way round on the way back: "
    "h̄_{t−1} receives Σ_κ (W^κ_h)ᵀ δ^κ_t, which in the row form of code is d_k @ Wk_h with no .T "
    "(an extra .T there, or Wk_h @ d in column form, is this mistake).",
    "lstm.state-off-by-one": "∂L/∂W^κ_h uses h_t where h_{t−1} belongs: ∂L/∂W^κ_h = Σ_t δ^κ_t h_{t−1}ᵀ, "
    "the state the step started from (in row form d_k.T @ h_prev; trace.h holds h_0 … h_T, so with t "
    "counted from 1, h_{t−1} is trace.h[t - 1]).",
    "lstm.no-sum-over-time": "a shared weight's gradient is the term of a single step instead of the sum "
    "over all steps (as `=` in place of `+=` in the loop gives): the weights are shared over time.",
    "lstm.no-sum-over-time.step 1": "the term of step 1 only, the last one a loop over t = T … 1 assigns",
    "lstm.no-sum-over-time.step T": "the term of step T only, the last one a loop over t = 1 … T assigns",
    "lstm.no-sum-over-time.gates, step 1": "the gates' weights get the term of step 1 only (the last "
    "one a loop over t = T … 1 assigns); W_ho and b_o are summed",
    "lstm.input-off-by-one": "∂L/∂W^κ_x pairs δ^κ_t with another step's input where "
    "x_t belongs: ∂L/∂W^κ_x = Σ_t δ^κ_t x_tᵀ (in code d_k.T @ x[t - 1] with t counted from 1).",
    "lstm.input-off-by-one.previous": "x_{t−1}, the previous step's input",
    "lstm.input-off-by-one.next": "x_{t+1}, the next step's input",
    "lstm.wrong-loss-steps": "errors (o_t − y_t) are taken at steps that carry no loss, or missing at "
    "steps that do: loss_at='last' has an error at step T only, loss_at='all' at every step.",
    "lstm.wrong-loss-steps.all": "every step, whatever loss_at says",
    "lstm.aliased-buffer": "the four layers' errors δ^i, δ^f, δ^c̃, δ^o are one array "
    "(dict.fromkeys(\"ifco\", np.zeros(…)) gives every key the same array, and += adds into it): "
    "each holds their sum. Give each key its own array (a dict comprehension, one np.zeros(…) per key).",
    "lstm.nonzero-initial-carry": "the error carried into step T through h does not start at zero: "
    "nothing comes back from after the last step, h̄ from step T+1 is 0 (np.zeros, not np.ones).",
    "lstm.nonzero-initial-carry.ones": "ones",
    "lstm.initial-cell-gradient": "∂L/∂c_0 is missing or incomplete: c_0 reaches the loss through "
    "c_1 = Γ^f_1 ⊙ c_0 + …, so ∂L/∂c_0 = c̄_1 ⊙ Γ^f_1 (in code the carry dc * gf after the last "
    "step of the loop, t = 1).",
    "lstm.initial-cell-gradient.missing": "returned as zeros",
    "lstm.initial-cell-gradient.without forget gate": "c̄_1, without the factor Γ^f_1",
    "lstm.initial-state-gradient": "∂L/∂h_0 is wrong: h_0 feeds the four layers of step 1, so "
    "∂L/∂h_0 = Σ_κ (W^κ_h)ᵀ δ^κ_1 (in code dh_next after the last step of the loop, t = 1).",
    "lstm.initial-state-gradient.missing": "returned as zeros",
    "lstm.initial-state-gradient.step-1 error": "returned as h̄_1, the error at h_1 (step 1's dh), "
    "which still has to pass back through the layers of step 1",
    "lstm.input-gate-missing-candidate": "δ^i_t lacks the factor c̃_t: c_t = Γ^f_t ⊙ c_{t−1} + Γ^i_t ⊙ "
    "c̃_t, so δ^i_t = c̄_t ⊙ c̃_t ⊙ Γ^i_t(1 − Γ^i_t); in code dc * gc * gi * (1 - gi).",
    "lstm.batch-scale": "the 1/B of the batch mean is wrong: e_t = (o_t − y_t)/B on the steps with a loss, "
    "divided by B once.",
    "lstm.batch-scale.missing": "missing",
    "lstm.batch-scale.twice": "applied twice",
}}
"""Language → key → template."""

_language = os.environ.get("RNNLIB_LANG", "en")


def set_language(language: str) -> None:
    """Choose the language of the checkers' messages (a key of ``STRINGS``).

    Examples
    --------
    >>> set_language("en")
    """
    if language not in STRINGS:
        raise ValueError(f"language must be one of {sorted(STRINGS)}, got {language!r}")
    global _language
    _language = language


def get_language() -> str:
    """The language of the messages (``"en"`` unless changed)."""
    return _language if _language in STRINGS else "en"


def text(key: str, /, **values: object) -> str:
    """The template of ``key`` in the current language, with ``values`` filled in.

    Examples
    --------
    >>> text("first.step", name="h", t=3)
    'h first differs at time step t = 3.'
    """
    table = STRINGS.get(get_language(), STRINGS["en"])
    template = table.get(key)
    if template is None:
        template = STRINGS["en"][key]
    return template.format(**values) if values else template


def has(key: str) -> bool:
    """Whether ``key`` exists (in English, the complete table)."""
    return key in STRINGS["en"]


def placeholders(template: str) -> set[str]:
    """The ``{names}`` of a template (for the tests of translations)."""
    return {name.split("!")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
