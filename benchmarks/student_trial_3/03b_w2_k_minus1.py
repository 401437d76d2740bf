def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    rnn = RNN.from_params(params, output_activation="sigmoid")
    T = x.shape[0]
    total = {n: np.zeros_like(v) for n, v in params.items()}
    h = h0
    for start in range(0, T, k - 1):
        stop = min(start + k - 1, T)
        tr = rnn.forward(x[start:stop], h)
        if loss_at == "all":
            _, do = losses.mse(tr.o, y[start:stop], at="all")
        elif stop == T:
            _, do = losses.mse(tr.o, y[start:stop], at="last")
        else:
            do = np.zeros_like(tr.o)
        g = rnn.backward(tr, do).params
        for n in total:
            total[n] += g[n]
        h = tr.h[-1]
    return total
