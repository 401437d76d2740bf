"""DTMF keywords: tones at the right frequencies, labels in order, features with the right bands lit."""

import numpy as np
import pytest

from rnnlib.data import speech


def _peaks(signal, k=2):
    """The k strongest frequencies (Hz) of a signal, from a finely sampled spectrum."""
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal)), n=8 * len(signal)))
    freqs = np.fft.rfftfreq(8 * len(signal), 1.0 / speech.SAMPLE_RATE)
    found = []
    for _ in range(k):
        i = int(np.argmax(spectrum))
        found.append(freqs[i])
        spectrum[np.abs(freqs - freqs[i]) < 40] = 0.0  # remove that peak
    return sorted(found)


def test_keypad_table():
    assert len(speech.SYMBOLS) == 16 and len(set(speech.SYMBOLS)) == 16
    assert speech.FREQUENCIES["1"] == (697.0, 1209.0)
    assert speech.FREQUENCIES["#"] == (941.0, 1477.0)
    assert speech.FREQUENCIES["D"] == (941.0, 1633.0)


@pytest.mark.parametrize("symbol", list(speech.SYMBOLS))
def test_tone_dominant_frequencies_match_the_key(symbol):
    tone = speech.dtmf_tone(symbol, 800)      # 100 ms
    low, high = _peaks(tone)
    assert low == pytest.approx(speech.FREQUENCIES[symbol][0], abs=6)
    assert high == pytest.approx(speech.FREQUENCIES[symbol][1], abs=6)
    assert np.abs(tone).max() <= 1.0


def test_detune_shifts_both_tones():
    low, high = _peaks(speech.dtmf_tone("5", 1600, detune=0.01))
    assert low == pytest.approx(770 * 1.01, abs=4) and high == pytest.approx(1336 * 1.01, abs=4)


def test_synthesize_labels_and_frequencies():
    signal, labels = speech.synthesize("9*2", snr_db=(60.0, 60.0), seed=3)
    assert signal.shape == labels.shape == (3200,)
    # the labelled runs are the keys, in order
    runs = [k for i, k in enumerate(labels) if k and (i == 0 or labels[i - 1] != k)]
    assert [speech.SYMBOLS[k - 1] for k in runs] == ["9", "*", "2"]
    # and each run sounds at its key's frequencies
    for k in runs:
        seg = signal[labels == k]
        low, high = _peaks(seg)
        f_low, f_high = speech.FREQUENCIES[speech.SYMBOLS[k - 1]]
        assert abs(low / f_low - 1) < 0.02 and abs(high / f_high - 1) < 0.02
    # almost silent where no key sounds (60 dB SNR)
    assert np.abs(signal[labels == 0]).max() < 0.01


def test_synthesize_noise_level():
    signal, labels = speech.synthesize("1234", snr_db=(0.0, 0.0), seed=0)
    quiet = signal[labels == 0]
    loud = signal[labels > 0]
    noise_power = quiet.var()
    assert loud.var() == pytest.approx(2 * noise_power, rel=0.25)  # signal power == noise power at 0 dB


def test_synthesize_is_seeded():
    a = speech.synthesize("147", seed=7)
    b = speech.synthesize("147", seed=7)
    c = speech.synthesize("147", seed=8)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"symbols": "1x"}, ValueError, r"symbols must be a non-empty str of keys"),
    ({"symbols": ""}, ValueError, r"symbols must be a non-empty str of keys"),
    ({"symbols": "123456789", "n_samples": 800}, ValueError, r"n_samples=800 is too short for 9 tones"),
    ({"symbols": "1", "snr_db": (5.0, 0.0)}, ValueError, r"snr_db must be a range \(low, high\)"),
    ({"symbols": "1", "tone_ms": (0.0, 10.0)}, ValueError, r"tone_ms must be positive"),
    ({"symbols": "1", "seed": -1}, ValueError, r"seed must be an int >= 0"),
])
def test_synthesize_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        speech.synthesize(**kwargs)


def test_tone_errors():
    with pytest.raises(ValueError, match="symbol must be one of"):
        speech.dtmf_tone("E", 100)
    with pytest.raises(ValueError, match="detune must be <= 0.1"):
        speech.dtmf_tone("1", 100, detune=0.5)


def test_frame_features_light_the_key_bands():
    signal, labels = speech.synthesize("3", snr_db=(40.0, 40.0), seed=1)
    feats = speech.frame_features(signal)
    assert feats.shape == (39, 16)                            # 1 + (3200 - 160) // 80
    frames = speech.frame_labels(labels)
    assert frames.shape == (39,)
    edges = np.linspace(600, 1700, 17)
    low, high = speech.FREQUENCIES["3"]
    bands = sorted(int(np.searchsorted(edges, f) - 1) for f in (low, high))
    for t in np.flatnonzero(frames == speech.SYMBOLS.index("3") + 1):
        top = sorted(np.argsort(feats[t])[-2:].tolist())
        # FFT bins are 50 Hz wide and the tone may be detuned: the loudest band is the key's or a neighbour
        assert abs(top[0] - bands[0]) <= 1 and abs(top[1] - bands[1]) <= 1
    batch = speech.frame_features(np.stack([signal, signal]))
    assert batch.shape == (2, 39, 16) and np.allclose(batch[1], feats)


def test_frame_labels_majority():
    labels = np.array([0] * 100 + [5] * 100)
    out = speech.frame_labels(labels, frame=40, hop=40)
    # frames [0,40) [40,80) [80,120) [120,160) [160,200): the third has 20 zeros and 20 fives -> tie -> 0
    assert out.tolist() == [0, 0, 0, 5, 5]


def test_frame_features_errors():
    with pytest.raises(ValueError, match="f_max must be > f_min"):
        speech.frame_features(np.zeros(400), f_min=1000.0, f_max=900.0)
    with pytest.raises(ValueError, match="signal must have at least frame=160 samples, got 100"):
        speech.frame_features(np.zeros(100))
    with pytest.raises(ValueError, match="f_max must be <= 4000.0"):
        speech.frame_features(np.zeros(400), f_max=5000.0)


def test_keyword_dataset():
    data = speech.keyword_dataset(40, snr_db=(30.0, 30.0), seed=2)
    assert data.features.shape == (40, 39, 16) and data.signals.shape == (40, 3200)
    assert data.labels.dtype == np.int64 and set(data.labels.tolist()) <= set(range(len(speech.KEYWORDS)))
    assert len(data) == 40 and data.keywords == speech.KEYWORDS
    # the frame labels spell each utterance's keyword, in order
    for fl, c in zip(data.frame_labels, data.labels, strict=True):
        runs = [k for i, k in enumerate(fl) if k and (i == 0 or fl[i - 1] != k)]
        assert "".join(speech.SYMBOLS[k - 1] for k in runs) == speech.KEYWORDS[c]
    again = speech.keyword_dataset(40, snr_db=(30.0, 30.0), seed=2)
    assert np.array_equal(again.features, data.features)


def test_anagrams_have_the_same_average_frame():
    """Averaging over time keeps which keys sound, not their order."""
    kw = ("147", "741", "258")
    data = speech.keyword_dataset(600, keywords=kw, snr_db=(20.0, 20.0), seed=0)
    mean = {c: data.features[data.labels == c].mean(axis=(0, 1)) for c in range(3)}
    assert np.abs(mean[0] - mean[1]).max() < 0.2 * np.abs(mean[0] - mean[2]).max()


def test_keyword_dataset_errors():
    with pytest.raises(ValueError, match="at least two distinct strings"):
        speech.keyword_dataset(3, keywords=("147",))
    with pytest.raises(ValueError, match="at least two distinct strings"):
        speech.keyword_dataset(3, keywords=("147", "147"))
