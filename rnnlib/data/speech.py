"""A speech-like recognition task: noisy DTMF "keywords", framed into spectral features.

A telephone keypad sends each key as DTMF, two sine tones played together:
one from a low group (697, 770, 852, 941 Hz) that encodes the row and one
from a high group (1209, 1336, 1477, 1633 Hz) that encodes the column. Here a
"keyword" is a short sequence of keys (e.g. ``"147"``); each utterance plays
its tones with random durations, random pauses, random amplitudes, a small
random detuning, and white noise at a random signal-to-noise ratio. It is
then cut into overlapping frames, and each frame becomes a vector of log
band energies (a crude spectrogram), as in classic speech front ends.

What a model can learn: which bands light up together (a key), where the
keys start and stop (the pauses), and, because the default keywords come in
anagram groups ("147", "174", "417", ...), **the order** in which the keys
occur. Averaging the frames over time keeps which keys were pressed but
throws their order away, so a non-recurrent classifier on averaged frames
cannot separate anagrams; a recurrent model that reads the frames in order
can.

:func:`dtmf_tone` and :func:`synthesize` make the waveform,
:func:`frame_features` the features, and :func:`keyword_dataset` a labelled
data set of fixed-length utterances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnlib._validation import Seed, check_array, check_int, check_real, check_seed

__all__ = [
    "FREQUENCIES",
    "KEYWORDS",
    "SAMPLE_RATE",
    "SYMBOLS",
    "KeywordSet",
    "dtmf_tone",
    "frame_features",
    "frame_labels",
    "keyword_dataset",
    "synthesize",
]

SAMPLE_RATE = 8000
"""Samples per second (telephone quality; DTMF tones lie below 1.7 kHz)."""

LOW = (697.0, 770.0, 852.0, 941.0)
HIGH = (1209.0, 1336.0, 1477.0, 1633.0)
SYMBOLS = "123A456B789C*0#D"
"""The 16 keys, row by row: key ``SYMBOLS[4 * r + c]`` is LOW[r] + HIGH[c]."""

FREQUENCIES = {s: (LOW[i // 4], HIGH[i % 4]) for i, s in enumerate(SYMBOLS)}
"""Key → (low frequency, high frequency) in Hz."""

KEYWORDS = ("147", "174", "741", "258", "852", "369", "123", "*0#")
"""The default classes: an anagram triple (1-4-7), an anagram pair (2-5-8) and three keywords with distinct keys."""


def dtmf_tone(symbol: str, n_samples: int, *, sample_rate: int = SAMPLE_RATE, detune: float = 0.0,
              phases: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The clean two-tone signal of one key, peak amplitude about 1.

    Parameters
    ----------
    symbol : str
        One of :data:`SYMBOLS`.
    n_samples : int
        Length of the tone.
    sample_rate : int
    detune : float
        Relative frequency error, e.g. 0.01 for 1 % sharp (real keypads may be
        off by up to about 1.5 %).
    phases : (float, float)
        Starting phases of the low and high tone, in radians.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if symbol not in FREQUENCIES or len(symbol) != 1:
        raise ValueError(f"symbol must be one of {SYMBOLS!r}, got {symbol!r}")
    n_samples = check_int("n_samples", n_samples)
    sample_rate = check_int("sample_rate", sample_rate)
    detune = check_real("detune", detune, minimum=-0.1, maximum=0.1)
    t = np.arange(n_samples) / sample_rate
    low, high = FREQUENCIES[symbol]
    f = 1.0 + detune
    return 0.5 * (np.sin(2 * np.pi * low * f * t + phases[0]) + np.sin(2 * np.pi * high * f * t + phases[1]))


def synthesize(symbols: str, *, n_samples: int = 3200, tone_ms: tuple[float, float] = (40.0, 80.0),
               gap_ms: tuple[float, float] = (20.0, 60.0), snr_db: tuple[float, float] = (-10.0, 0.0),
               max_detune: float = 0.015, sample_rate: int = SAMPLE_RATE,
               seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy utterance of ``symbols`` and the key index of every sample.

    The tones are placed one after the other with random durations and
    pauses; the remaining silence is split at random between the start and
    the end. Each tone gets a random amplitude in [0.5, 1], a random phase
    and a random detuning; white Gaussian noise is added so that the
    signal-to-noise ratio over the tones is uniform in ``snr_db``.

    Parameters
    ----------
    symbols : str
        Keys to play, from :data:`SYMBOLS`.
    n_samples : int
        Length of the utterance (3200 samples = 0.4 s at 8 kHz).
    tone_ms, gap_ms, snr_db : (float, float)
        Ranges (low, high) of the tone duration, the pause between tones and
        the signal-to-noise ratio.
    max_detune : float
        Detuning drawn uniformly in ±max_detune for each tone.
    sample_rate : int
    seed : int, numpy.random.Generator or None
        Where the random durations, gaps, detuning, phases and noise come from.

    Returns
    -------
    signal : ndarray of shape (n_samples,)
    labels : ndarray of int64, shape (n_samples,)
        ``SYMBOLS.index(key) + 1`` while a key sounds, 0 in silence.
    """
    if not isinstance(symbols, str) or not symbols or any(s not in FREQUENCIES for s in symbols):
        raise ValueError(f"symbols must be a non-empty str of keys from {SYMBOLS!r}, got {symbols!r}")
    n_samples = check_int("n_samples", n_samples)
    sample_rate = check_int("sample_rate", sample_rate)
    max_detune = check_real("max_detune", max_detune, minimum=0.0, maximum=0.1)
    for name, (lo, hi) in (("tone_ms", tone_ms), ("gap_ms", gap_ms), ("snr_db", snr_db)):
        check_real(f"{name}[0]", lo)
        check_real(f"{name}[1]", hi)
        if hi < lo:
            raise ValueError(f"{name} must be a range (low, high) with low <= high, got {(lo, hi)}")
    if tone_ms[0] <= 0 or gap_ms[0] < 0:
        raise ValueError("tone_ms must be positive and gap_ms non-negative")
    rng = check_seed(seed)
    ms = sample_rate / 1000.0
    durations = [int(rng.uniform(*tone_ms) * ms) for _ in symbols]
    gaps = [int(rng.uniform(*gap_ms) * ms) for _ in symbols[1:]]
    used = sum(durations) + sum(gaps)
    if used > n_samples:
        raise ValueError(f"n_samples={n_samples} is too short for {len(symbols)} tones of up to "
                         f"{tone_ms[1]} ms with pauses of up to {gap_ms[1]} ms")
    pos = int(rng.integers(0, n_samples - used + 1))
    clean = np.zeros(n_samples)
    labels = np.zeros(n_samples, dtype=np.int64)
    for k, (s, d) in enumerate(zip(symbols, durations, strict=True)):
        tone = rng.uniform(0.5, 1.0) * dtmf_tone(s, d, sample_rate=sample_rate,
                                                  detune=rng.uniform(-max_detune, max_detune),
                                                  phases=tuple(rng.uniform(0, 2 * np.pi, 2)))
        clean[pos:pos + d] = tone
        labels[pos:pos + d] = SYMBOLS.index(s) + 1
        pos += d + (gaps[k] if k < len(gaps) else 0)
    power = np.mean(clean[labels > 0] ** 2)
    snr = 10.0 ** (rng.uniform(*snr_db) / 10.0)
    signal = clean + rng.standard_normal(n_samples) * np.sqrt(power / snr)
    return signal, labels


def frame_features(signal: np.ndarray, *, frame: int = 160, hop: int = 80, n_bands: int = 16,
                   f_min: float = 600.0, f_max: float = 1700.0, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Log band energies of overlapping frames: a small spectrogram.

    Each frame of ``frame`` samples (20 ms), taken every ``hop`` samples
    (10 ms), is multiplied by a Hann window; its power spectrum is summed
    over ``n_bands`` equal-width bands between ``f_min`` and ``f_max``, and
    the feature is log10(1e-3 + band power / frame). Only the frequency
    range of the keypad is kept.

    Parameters
    ----------
    signal : ndarray of shape (N,) or (B, N)
        One signal or a batch of equal-length signals.

    Returns
    -------
    ndarray of shape (n_frames, n_bands) or (B, n_frames, n_bands)
        With n_frames = 1 + (N − frame) // hop.
    """
    sig = np.asarray(signal)
    single = sig.ndim == 1
    sig = check_array("signal", sig[None] if single else sig, (None, None), labels="(B, N)")
    frame = check_int("frame", frame, minimum=8)
    hop = check_int("hop", hop)
    n_bands = check_int("n_bands", n_bands)
    sample_rate = check_int("sample_rate", sample_rate)
    f_min = check_real("f_min", f_min, minimum=0.0)
    f_max = check_real("f_max", f_max, maximum=sample_rate / 2)
    if f_max <= f_min:
        raise ValueError(f"f_max must be > f_min, got f_min={f_min}, f_max={f_max}")
    if sig.shape[1] < frame:
        raise ValueError(f"signal must have at least frame={frame} samples, got {sig.shape[1]}")
    n_frames = 1 + (sig.shape[1] - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = sig[:, idx] * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=-1)) ** 2 / frame
    freqs = np.fft.rfftfreq(frame, 1.0 / sample_rate)
    edges = np.linspace(f_min, f_max, n_bands + 1)
    band = np.digitize(freqs, edges) - 1  # band index of each FFT bin, -1 or n_bands outside
    out = np.zeros(sig.shape[:1] + (n_frames, n_bands))
    for b in range(n_bands):
        out[..., b] = power[..., band == b].sum(axis=-1)
    out = np.log10(1e-3 + out / frame)
    return out[0] if single else out


def frame_labels(labels: np.ndarray, *, frame: int = 160, hop: int = 80) -> np.ndarray:
    """The label of each frame: the most frequent sample label in it (ties to the smaller label)."""
    lab = np.asarray(labels)
    single = lab.ndim == 1
    lab = check_array("labels", lab[None] if single else lab, (None, None), labels="(B, N)", dtype=np.int64)
    frame = check_int("frame", frame)
    hop = check_int("hop", hop)
    n_frames = 1 + (lab.shape[1] - frame) // hop
    idx = np.arange(frame)[None, :] + hop * np.arange(n_frames)[:, None]
    windows = lab[:, idx]
    k = int(lab.max()) + 1
    counts = np.stack([(windows == c).sum(-1) for c in range(k)], axis=-1)
    out = counts.argmax(-1).astype(np.int64)
    return out[0] if single else out


@dataclass(frozen=True)
class KeywordSet:
    """Labelled utterances of keywords.

    Attributes
    ----------
    features : ndarray of shape (N, T, F)
        Frame features (:func:`frame_features`).
    labels : ndarray of int64, shape (N,)
        Index of each utterance's keyword in ``keywords``.
    frame_labels : ndarray of int64, shape (N, T)
        Key of each frame (0 = silence, k = ``SYMBOLS[k - 1]``), for per-frame labelling.
    keywords : tuple of str
        The class names.
    signals : ndarray of shape (N, n_samples)
        The waveforms.
    """

    features: np.ndarray
    labels: np.ndarray
    frame_labels: np.ndarray
    keywords: tuple[str, ...]
    signals: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def keyword_dataset(n: int, *, keywords: Sequence[str] = KEYWORDS, n_samples: int = 3200,
                    snr_db: tuple[float, float] = (-10.0, 0.0), n_bands: int = 16, seed: Seed = 0) -> KeywordSet:
    """``n`` noisy utterances of keywords drawn uniformly from ``keywords``.

    Parameters
    ----------
    n : int
    keywords : sequence of str
        The classes, each a string of keys from :data:`SYMBOLS`.
    n_samples : int
        Samples per utterance (3200 = 0.4 s).
    snr_db : (float, float)
        Range of the signal-to-noise ratio.
    n_bands : int
        Features per frame.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    KeywordSet

    Examples
    --------
    >>> d = keyword_dataset(4, seed=0)
    >>> d.features.shape, d.labels.shape, d.frame_labels.shape
    ((4, 39, 16), (4,), (4, 39))
    """
    n = check_int("n", n)
    keywords = tuple(keywords)
    if len(keywords) < 2 or len(set(keywords)) != len(keywords):
        raise ValueError("keywords must hold at least two distinct strings")
    rng = check_seed(seed)
    labels = rng.integers(0, len(keywords), size=n).astype(np.int64)
    signals = np.empty((n, check_int("n_samples", n_samples)))
    sample_labels = np.empty((n, n_samples), dtype=np.int64)
    for i, c in enumerate(labels):
        signals[i], sample_labels[i] = synthesize(keywords[c], n_samples=n_samples, snr_db=snr_db, seed=rng)
    return KeywordSet(frame_features(signals, n_bands=n_bands), labels, frame_labels(sample_labels),
                      keywords, signals)
