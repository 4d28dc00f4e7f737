# The CS336 Transformer LM in PyTorch, weight for weight the graph of packages/model in its default form
# (pre-norm RMSNorm, RoPE on interleaved pairs, SwiGLU, untied LM head, no biases), loading the safetensors
# files the benches write, with a KV-cached forward for decoding. Only for bench/torch-train.ts and
# bench/kv-generate.ts, which compare against it; it refuses the ablations (norm placement, NoPE, SiLU FFN,
# tied embeddings) rather than approximate them.
import json
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def read_safetensors(path):
    """Float32 tensors of a safetensors file by name (the format's header is JSON after an 8-byte length)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin)
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out


def check_config(cfg):
    unsupported = {
        "norm": ("pre", cfg.get("norm", "pre")),
        "ffn": ("swiglu", cfg.get("ffn", "swiglu")),
        "positional": ("rope", cfg.get("positional", "rope")),
        "tiedEmbeddings": (False, cfg.get("tiedEmbeddings", False)),
    }
    for key, (want, got) in unsupported.items():
        if want != got:
            raise ValueError(f"the PyTorch reference model supports {key}={want} only, got {got}")


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(d_head, theta, max_len):
    """cos, sin [max_len, d_head/2] of p * theta^(-2k/d_head), computed in float64 as packages/model does."""
    k = torch.arange(d_head // 2, dtype=torch.float64)
    angles = torch.arange(max_len, dtype=torch.float64)[:, None] * theta ** (-2 * k / d_head)
    return torch.cos(angles).float(), torch.sin(angles).float()


def apply_rope(x, cos, sin):
    """x (B, H, T, dh) rotated on pairs (x[2k], x[2k+1]); cos/sin (T, dh/2)."""
    x0, x1 = x.unflatten(-1, (-1, 2)).unbind(-1)
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.output_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin, cache=None):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)  # (B, H, T, dh)
        q = apply_rope(split(self.q_proj(x)), cos, sin)
        k = apply_rope(split(self.k_proj(x)), cos, sin)
        v = split(self.v_proj(x))
        if cache is not None:
            if cache[0] is not None:
                k = torch.cat((cache[0], k), dim=2)
                v = torch.cat((cache[1], v), dim=2)
            cache[0], cache[1] = k, v
        # A single new token attends to every cached key; a prompt (nothing cached) is causal.
        y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
        return self.output_proj(y.transpose(1, 2).reshape(b, t, d))


class SwiGLU(nn.Module):
    def __init__(self, d, d_ff):
        super().__init__()
        self.w1 = nn.Linear(d, d_ff, bias=False)
        self.w2 = nn.Linear(d_ff, d, bias=False)
        self.w3 = nn.Linear(d, d_ff, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["dModel"]
        self.attn = Attention(d, cfg["numHeads"])
        self.ffn = SwiGLU(d, cfg["dFf"])
        self.ln1 = RMSNorm(d, cfg["eps"])
        self.ln2 = RMSNorm(d, cfg["eps"])

    def forward(self, x, cos, sin, cache=None):
        x = x + self.attn(self.ln1(x), cos, sin, cache)
        return x + self.ffn(self.ln2(x))


class LM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        check_config(cfg)
        d = cfg["dModel"]
        self.cfg = cfg
        self.token_embeddings = nn.Embedding(cfg["vocabSize"], d)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg["numLayers"]))
        self.ln_final = RMSNorm(d, cfg["eps"])
        self.lm_head = nn.Linear(d, cfg["vocabSize"], bias=False)
        cos, sin = rope_tables(d // cfg["numHeads"], cfg["ropeTheta"], cfg["contextLength"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, ids, start=0, caches=None, last_only=False):
        """ids (B, T) after `start` cached positions → logits (B, T, V), or (B, 1, V) for the last position
        only; `caches` (per layer [keys, values], [None, None] when empty) grow by T."""
        t = ids.shape[1]
        cos, sin = self.cos[start : start + t], self.sin[start : start + t]
        x = self.token_embeddings(ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i])
        if last_only:
            x = x[:, -1:]
        return self.lm_head(self.ln_final(x))


def load_lm(cfg, weights_path):
    model = LM(cfg)
    model.load_state_dict(read_safetensors(weights_path), strict=True)
    return model


def matmul_gflops(seconds, n=1024):
    """fp32 GEMM throughput of this process's threads: n×n·n×n back to back for `seconds`."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        torch.mm(a, b)
        done += 1
    return 2 * n**3 * done / (time.perf_counter() - start) / 1e9


def mean_ce(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)).item()
