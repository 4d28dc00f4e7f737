# PyTorch's cached greedy generation over our weights, for bench/kv-generate.ts: a worker that loads the model
# once, then answers one JSON line per request on stdin ({"prompt": [ids], "tokens": n}) with the ids and the
# seconds the loop took. The same policy as packages/trainer's generate: prefill the prompt (its last
# contextLength ids), feed one id per step, and once the context is full re-prefill the last contextLength
# ids each step. Leaves out sampling (greedy only, so the ids can be compared with ours).
import argparse
import json
import sys
import time

import torch

from lm import load_lm


def generate(model, prompt, n, context_length):
    ids = list(prompt)
    out = []
    caches, cached = None, 0
    with torch.inference_mode():
        for step in range(n):
            if step > 0 and cached < context_length:
                x, start = torch.tensor([[ids[-1]]]), cached
            else:
                caches, start = [[None, None] for _ in model.layers], 0
                x = torch.tensor([ids[-context_length:]])
            logits = model(x, start, caches, last_only=True)
            cached = start + x.shape[1]
            nxt = int(logits[0, -1].argmax())
            ids.append(nxt)
            out.append(nxt)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--threads", type=int, required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.config) as f:
        cfg = json.load(f)
    model = load_lm(cfg, a.weights).eval()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        t0 = time.perf_counter()
        ids = generate(model, req["prompt"], req["tokens"], cfg["contextLength"])
        print(json.dumps({"seconds": time.perf_counter() - t0, "ids": ids}), flush=True)


if __name__ == "__main__":
    main()
