def my_clip_norm(grads, threshold):
    norm = np.sqrt(sum((g**2).sum() for g in grads.values()))
    scale = min(1.0, threshold / norm)
    return [g * scale for g in grads.values()]  # a list, not a dict
