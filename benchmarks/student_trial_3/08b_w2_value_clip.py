def my_clip_norm(grads, threshold):
    return {name: np.clip(g, -threshold, threshold) for name, g in grads.items()}
