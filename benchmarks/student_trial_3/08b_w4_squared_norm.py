def my_clip_norm(grads, threshold):
    norm = sum(np.sum(g ** 2) for g in grads.values())  # ||g||
    if norm > threshold:
        return {name: g * threshold / norm for name, g in grads.items()}
    return dict(grads)
