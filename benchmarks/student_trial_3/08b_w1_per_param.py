def my_clip_norm(grads, threshold):
    out = {}
    for name, g in grads.items():
        norm = np.linalg.norm(g)
        out[name] = g * threshold / norm if norm > threshold else g.copy()
    return out
