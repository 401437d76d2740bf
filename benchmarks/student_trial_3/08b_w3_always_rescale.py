def my_clip_norm(grads, threshold):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    return {name: g * threshold / norm for name, g in grads.items()}
