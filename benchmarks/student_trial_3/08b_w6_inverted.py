def my_clip_norm(grads, threshold):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    if norm > threshold:
        return {name: g * (norm / threshold) for name, g in grads.items()}
    return {name: g.copy() for name, g in grads.items()}
