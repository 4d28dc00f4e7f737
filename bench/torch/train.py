# PyTorch's side of bench/torch-train.ts: our model (lm.py) trained with the same batch, torch.optim.AdamW and
# clip_grad_norm_ as packages/model's training graph, eager or under torch.compile (the model's forward and
# backward; the optimizer step stays eager, as in the usual recipe). A worker: it loads our initial weights,
# prints a "ready" line, then answers one JSON line per request:
#   {"cmd": "steps", "n": N, "lr": x}         N steps on random batches → wall and CPU seconds, last loss, peak RSS
#   {"cmd": "matmul", "seconds": s, "threads": n}  fp32 GEMM GFLOP/s on n threads (the machine's peak)
#   {"cmd": "quality", "weights": w, "batches": b, "steps": N, "lrs": [...], "val": v}
#                                              a fresh model from w trained on our batches → validation loss
# Batch files are int32 [n, 2, B, T] (inputs, then targets), written by the bench.
import argparse
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from lm import load_lm, matmul_gflops


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


class Run:
    """A model, its optimizer and its (possibly compiled) step."""

    def __init__(self, cfg, hp, weights, mode):
        self.cfg = cfg
        self.model = load_lm(cfg, weights).train()
        self.forward = torch.compile(self.model) if mode == "compile" else self.model
        self.opt = torch.optim.AdamW(
            self.model.parameters(),
            lr=0.0,
            betas=(hp["beta1"], hp["beta2"]),
            eps=hp["eps"],
            weight_decay=hp["weightDecay"],
        )
        self.clip = hp["maxGradNorm"]

    def step(self, x, y, lr):
        logits = self.forward(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        if self.clip is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss.item()

    @torch.no_grad()
    def loss_on(self, batches):
        losses = [F.cross_entropy(self.model(x).flatten(0, 1), y.flatten()).item() for x, y in batches]
        return sum(losses) / len(losses)


def read_batches(path, batch, seq):
    data = np.fromfile(path, dtype="<i4").reshape(-1, 2, batch, seq)
    return [(torch.from_numpy(b[0].astype(np.int64)), torch.from_numpy(b[1].astype(np.int64))) for b in data]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="JSON: model config, batch, hyper")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--mode", choices=["eager", "compile"], required=True)
    ap.add_argument("--threads", type=int, required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.config) as f:
        spec = json.load(f)
    cfg, batch, hp = spec["model"], spec["batch"], spec["hyper"]
    seq, vocab = cfg["contextLength"], cfg["vocabSize"]
    run = Run(cfg, hp, a.weights, a.mode)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "steps":
            c0, t0 = cpu_seconds(), time.perf_counter()
            for _ in range(req["n"]):
                x = torch.randint(vocab, (batch, seq))
                y = torch.randint(vocab, (batch, seq))
                loss = run.step(x, y, req["lr"])
            reply = {"wall": time.perf_counter() - t0, "cpu": cpu_seconds() - c0, "loss": loss}
            print(json.dumps({**reply, "peakRssMB": peak_rss_mb()}), flush=True)
        elif req["cmd"] == "matmul":
            torch.set_num_threads(req["threads"])
            gflops = matmul_gflops(req["seconds"])
            torch.set_num_threads(a.threads)
            print(json.dumps({"gflops": gflops}), flush=True)
        elif req["cmd"] == "quality":
            fresh = Run(cfg, hp, req["weights"], a.mode)
            train = read_batches(req["batches"], batch, seq)[: req["steps"]]
            losses = [fresh.step(x, y, lr) for (x, y), lr in zip(train, req["lrs"])]
            val = fresh.loss_on(read_batches(req["val"], batch, seq))
            print(json.dumps({"valLoss": val, "firstLoss": losses[0], "lastLoss": losses[-1]}), flush=True)
        else:
            raise ValueError(f"unknown request {req['cmd']}")


if __name__ == "__main__":
    main()
