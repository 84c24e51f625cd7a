#!/usr/bin/env python3
"""PyTorch's time per update on the main job's adding-problem configuration.

To set beside the main job's (samples/LstmVsGru/README.md, "The same job in PyTorch"): nn.LSTM / nn.GRU(2, hidden)
+ nn.Linear(hidden, 1) on the last step, minibatches of 32 sequences of T = 50, MSE, clip_grad_norm_(1), Adam(lr 1e-2);
the same data generator as samples/LstmVsGru/Tasks.cs (values uniform on [0, 1), two marked steps, target their sum;
drawn here with torch's generator, so the sequences differ from the C# run's but not their statistics or cost).

Usage: python3 samples/LstmVsGru/pytorch/adding_problem.py [--updates 300] [--threads 1] [--hidden 32] [--length 50]
Prints, per cell, the median and best milliseconds per update over rounds of updates, and sequences per second.
Debian's python3-torch (1.13, CPU) is what the docs quote: `apt-get install -y python3-torch`.
"""

import argparse
import statistics
import time

import torch


def batch(generator, size, length):
    """[T, B, 2] inputs (value, marker) and [B] targets, time-major like the C# batches."""
    values = torch.rand((length, size), generator=generator)
    first = torch.randint(0, length, (size,), generator=generator)
    second = torch.randint(0, length - 1, (size,), generator=generator)
    second = second + (second >= first).long()
    markers = torch.zeros((length, size))
    markers[first, torch.arange(size)] = 1
    markers[second, torch.arange(size)] = 1
    targets = (values * markers).sum(dim=0)
    return torch.stack([values, markers], dim=2), targets


class Model(torch.nn.Module):
    def __init__(self, kind, hidden):
        super().__init__()
        self.rnn = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(2, hidden)
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[-1]).squeeze(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300, help="updates per round (5 rounds after a warm-up one)")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s); hidden {args.hidden}, T = {args.length}, "
          f"B = {args.batch}, Adam + clip_grad_norm_(1); {args.updates} updates per round")
    for kind in ("lstm", "gru"):
        torch.manual_seed(1)
        model = Model(kind, args.hidden)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        generator = torch.Generator().manual_seed(2)
        rounds = []
        for round_index in range(6):
            start = time.perf_counter()
            for _ in range(args.updates):
                x, y = batch(generator, args.batch, args.length)
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
            if round_index > 0:   # the first round warms up
                rounds.append((time.perf_counter() - start) * 1e3 / args.updates)
        median = statistics.median(rounds)
        print(f"{kind.upper():<5} {median:7.2f} ms/update median, {min(rounds):7.2f} best; "
              f"{args.batch * 1e3 / median:8.0f} sequences/s; last loss {loss.item():.5f}")


if __name__ == "__main__":
    main()
