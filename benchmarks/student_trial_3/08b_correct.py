def my_clip_norm(grads, threshold):
    flat = np.concatenate([np.ravel(g) for g in grads.values()])
    factor = min(1.0, threshold / (np.linalg.norm(flat) + 1e-6))
    return {name: factor * g for name, g in grads.items()}
