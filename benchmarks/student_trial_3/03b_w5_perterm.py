def my_chunk_and_detach(params, x, y, h0, loss_at, k):
    rnn = RNN.from_params(params, output_activation="sigmoid")
    tr = rnn.forward(x, h0)
    _, do = losses.mse(tr.o, y, at=loss_at)
    return rnn.backward(tr, do, truncate=k).params  # BPTT(k) does the chunks for me?
