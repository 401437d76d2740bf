def my_bptt(params, x, y, h0, loss_at):
    T, B, _ = x.shape
    H = h0.shape[1]
    return np.zeros((H, H)), np.zeros(H)  # only started: a tuple
