def my_clip_norm(grads, threshold):
    norm = sum(np.linalg.norm(g) for g in grads.values())
    if norm > threshold:
        return {name: g * (threshold / norm) for name, g in grads.items()}
    return {name: g.copy() for name, g in grads.items()}
