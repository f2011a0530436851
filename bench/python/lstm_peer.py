"""torch's side of `quiver bench lstm-train --vs torch`: the same next-token LSTM as Quiver's
LstmTrainBench (nn.Embedding(64, 64), nn.LSTM(64, 128, num_layers=L, batch_first=True),
nn.Linear(128, 64), cross-entropy at every position, Adam 0.001), on random tokens, 10 steps of
batch N per call; milliseconds per step for 1 and 2 layers, with torch on 2 threads and on 1 thread:
the faster of the two is torch's figure (on a loaded 2-core machine one thread often wins). Called by
peer.py."""


def train_lstm(torch, batch, timed, device="cpu"):
    nn = torch.nn
    dev = torch.device(device)
    vocab, embed, hidden, seq, steps = 64, 64, 128, 32, 10
    out = {}
    for layers in (1, 2):
        torch.manual_seed(1)
        rows = batch * steps
        x = torch.randint(0, vocab, (rows, seq)).to(dev)
        y = torch.randint(0, vocab, (rows, seq)).to(dev)

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(vocab, embed)
                self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
                self.out = nn.Linear(hidden, vocab)

            def forward(self, t):
                h, _ = self.lstm(self.embed(t))
                return self.out(h)

        m = Model().to(dev)
        opt = torch.optim.Adam(m.parameters(), lr=0.001)
        loss_fn = nn.CrossEntropyLoss()

        def epoch():
            order = torch.randperm(rows, device=dev)
            for i in range(0, rows, batch):
                idx = order[i:i + batch]
                opt.zero_grad()
                loss = loss_fn(m(x[idx]).reshape(-1, vocab), y[idx].reshape(-1))
                loss.backward()
                opt.step()
                loss.item()

        best = None
        for threads in (2, 1):
            torch.set_num_threads(threads)
            ms = timed(epoch, 1, 5, warmup_s=2.0) / steps * 1e3
            cpu_ms = timed.cpu / steps * 1e3
            raw = ([float("%.4g" % (x / steps * 1e3)) for x in timed.samples],
                   [float("%.4g" % (x / steps * 1e3)) for x in timed.cpus], timed.median / steps * 1e3)
            out["layers%d_threads%d_ms_per_step" % (layers, threads)] = ms
            if best is None or ms < best[0]:
                best = (ms, threads, cpu_ms, raw)
        out["layers%d_ms_per_step" % layers] = best[0]
        out["layers%d_threads" % layers] = best[1]
        out["layers%d_cpu_ms_per_step" % layers] = best[2]
        out["layers%d_ms_per_step_rounds" % layers] = best[3][0]
        out["layers%d_cpu_ms_per_step_rounds" % layers] = best[3][1]
        out["layers%d_ms_per_step_median" % layers] = best[3][2]
    torch.set_num_threads(2)
    return out
