def my_clip_norm(grads, threshold):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    if norm > threshold:
        for g in grads.values():
            g *= threshold / norm  # in place, like clip_grad_norm_
    return grads
