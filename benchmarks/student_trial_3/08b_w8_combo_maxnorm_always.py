def my_clip_norm(grads, threshold):
    # the largest entry as "the norm", and rescale every time
    norm = max(np.abs(g).max() for g in grads.values())
    return {name: g * threshold / norm for name, g in grads.items()}
