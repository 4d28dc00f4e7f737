// `bun run cli account --config FILE [--batch-size N] [--memory-gb G] [--device-peak-tflops X] [--mfu F]
// [--tokens N] [--compare gpt2-small,…]`: CS336's transformer_accounting and adamwAccounting for a preset —
// parameters, forward FLOPs per matmul and their shares as the context grows, training FLOPs, float32 memory,
// the largest batch a memory budget holds and the time for a token budget — and CS336's GPT-2 table.
import {
  activationRows,
  COMPONENTS,
  forwardFlops,
  GPT2_SIZES,
  gpt2Config,
  type ModelConfig,
  maxBatchSize,
  parameterGroups,
  trainingMemory,
  trainingSeconds,
  trainStepFlops,
} from "@cs336-ts/model";
import { formatDuration, readPreset, resolveRunConfig } from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";

const flags = {
  config: { type: "string", help: "preset file, e.g. configs/tinystories-h100.json" },
  "batch-size": { type: "number", integer: true, help: "sequences per (micro-)batch (default: the preset's)" },
  "memory-gb": { type: "number", default: 80, help: "device memory budget in GiB (2^30 bytes)" },
  "device-peak-tflops": { type: "number", default: 19.5, help: "device peak TFLOP/s (19.5: A100 float32, CS336)" },
  mfu: { type: "number", default: 0.5, help: "model FLOPs utilization assumed for the training time" },
  tokens: { type: "number", help: "token budget to time (default: the preset's max-steps × tokens per step)" },
  compare: { type: "string", help: "comma-separated GPT-2 sizes: gpt2-small,gpt2-medium,gpt2-large,gpt2-xl" },
} as const;

// CS336's adamwAccounting budget: 400K steps of 1,024 sequences of 1,024 tokens.
const CS336_TOKENS = 400_000 * 1024 * 1024;
const GIB = 2 ** 30;

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
const si = (n: number, unit: string) => {
  const [d, p] = [
    [1e15, "P"],
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ].find(([d]) => n >= (d as number)) ?? [1, ""];
  return `${(n / (d as number)).toFixed(2)} ${p}${unit}`;
};
const gib = (bytes: number) => {
  const [d, u] = [
    [GIB, "GiB"],
    [2 ** 20, "MiB"],
    [2 ** 10, "KiB"],
  ].find(([d]) => bytes >= (d as number)) ?? [1, "B"];
  return `${(bytes / (d as number)).toFixed(d === GIB ? 2 : 1)} ${u}`;
};
const duration = (s: number) => (s >= 2 * 86400 ? `${(s / 86400).toFixed(1)} days` : formatDuration(s));

/** Rows of cells as left-aligned first column and right-aligned others. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return `${rows.map((r) => `  ${line(r)}`.trimEnd()).join("\n")}\n`;
}

function describeModel(c: ModelConfig): string {
  const kind = [
    c.ffn,
    `${c.norm}-norm`,
    c.positional === "rope" ? "RoPE" : "NoPE",
    c.tiedEmbeddings ? "tied" : "untied",
  ];
  return `${c.numLayers} layers, d_model ${c.dModel}, ${c.numHeads} heads, d_ff ${c.dFf}, vocab ${int(c.vocabSize)}, context ${c.contextLength} (${kind.join(", ")})`;
}

function account(
  c: ModelConfig,
  o: { batch: number; accum: number; tokens: number; memory: number; peak: number; mfu: number },
): string {
  const T = c.contextLength;
  const groups = parameterGroups(c);
  const params = groups.reduce((s, g) => s + g.params, 0);
  const fwd = forwardFlops(c, T);
  const step = trainStepFlops(c, T, o.batch * o.accum);
  const mem = trainingMemory(c, o.batch, T);
  const out = [`model: ${describeModel(c)}\n\nparameters\n`];
  out.push(
    table([
      ["tensor", "shape", "copies", "params", "share"],
      ...groups.map((g) => [g.name, g.shape.join("×"), String(g.count), int(g.params), pct(g.params, params)]),
      ["total", "", "", int(params), ""],
    ]),
  );
  out.push(`\nforward FLOPs of one ${T}-token sequence (2·m·k·n per matmul)\n`);
  out.push(
    table([
      ["matmul", "(m×k)·(k×n)", "copies", "FLOPs", "share"],
      ...fwd.matmuls.map((m) => [
        m.name,
        `(${m.m}×${m.k})·(${m.k}×${m.n})`,
        String(m.count),
        si(m.flops, "FLOP"),
        pct(m.flops, fwd.total),
      ]),
      ["total", "", "", si(fwd.total, "FLOP"), ""],
    ]),
  );
  out.push("\nshares of the forward FLOPs as the context grows\n");
  const lengths = [...new Set([T / 4, T, 4 * T, 16 * T].map((t) => Math.max(1, Math.round(t))))];
  out.push(
    table([
      ["context", "FLOPs", ...COMPONENTS],
      ...lengths.map((t) => {
        const f = forwardFlops(c, t);
        return [String(t), si(f.total, "FLOP"), ...COMPONENTS.map((k) => pct(f.byComponent[k], f.total))];
      }),
    ]),
  );
  const seqs = o.accum > 1 ? `${o.accum} micro-batches of ${o.batch}` : `${o.batch}`;
  out.push(`\ntraining step: ${seqs} sequences of ${T} tokens\n`);
  out.push(
    table([
      ["forward", si(step.forward, "FLOP")],
      ["backward (2× forward)", si(step.backward, "FLOP")],
      ["total", si(step.total, "FLOP")],
      ["per token (6·matmul params + attention)", si(step.total / (o.batch * o.accum * T), "FLOP")],
    ]),
  );
  out.push(`\nfloat32 training memory at a batch of ${o.batch}\n`);
  out.push(
    table([
      ["parameters", gib(mem.params)],
      ["gradients", gib(mem.grads)],
      ["AdamW moments (m, v)", gib(mem.adamw)],
      ["activations", gib(mem.activations)],
      ...activationRows(c, o.batch, T).map((r) => [`  ${r.name}`, gib(4 * r.elements)]),
      ["total", gib(mem.total)],
    ]),
  );
  out.push(`  largest batch in ${o.memory} GiB: ${int(maxBatchSize(c, o.memory * GIB, T))} sequences\n`);
  const secs = trainingSeconds(c, o.tokens, T, { peakFlops: o.peak * 1e12, mfu: o.mfu });
  out.push(`\n${int(o.tokens)} tokens at ${pct(o.mfu, 1)} MFU of ${o.peak} TFLOP/s: ${duration(secs)}\n`);
  return out.join("");
}

function compare(names: string[], o: { tokens: number; memory: number; peak: number; mfu: number }): string {
  const rows = names.map((name) => {
    const c = gpt2Config(name);
    const f = forwardFlops(c, c.contextLength);
    const fixed = trainingMemory(c, 0, c.contextLength).total;
    const secs = trainingSeconds(c, o.tokens, c.contextLength, { peakFlops: o.peak * 1e12, mfu: o.mfu });
    return [
      name,
      int(parameterGroups(c).reduce((s, g) => s + g.params, 0)),
      si(f.total, "FLOP"),
      ...COMPONENTS.map((k) => pct(f.byComponent[k], f.total)),
      gib(fixed),
      int(maxBatchSize(c, o.memory * GIB, c.contextLength)),
      duration(secs),
    ];
  });
  const head = [
    "model",
    "params",
    "forward",
    ...COMPONENTS,
    "params+grads+adam",
    `batch in ${o.memory} GiB`,
    "train time",
  ];
  return (
    `CS336's GPT-2 sizes (vocab 50,257, context 1,024, SwiGLU with d_ff as given, untied head); forward of one\n` +
    `sequence, train time for ${int(o.tokens)} tokens at ${pct(o.mfu, 1)} MFU of ${o.peak} TFLOP/s\n${table([head, ...rows])}`
  );
}

const command: Command = {
  usage: "account --config configs/NAME.json [--batch-size N] [--memory-gb G] [--compare gpt2-small,gpt2-xl]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    if (f._.length > 0) throw new UsageError(`unexpected arguments: ${f._.join(" ")}`);
    if (!f.config && f.compare === undefined) {
      throw new UsageError("name a preset with --config, or GPT-2 sizes with --compare");
    }
    for (const [name, v] of [
      ["memory-gb", f["memory-gb"]],
      ["device-peak-tflops", f["device-peak-tflops"]],
      ["tokens", f.tokens],
    ] as const) {
      if (v !== undefined && !(v > 0)) throw new UsageError(`--${name} must be positive, got ${v}`);
    }
    if (!(f.mfu! > 0 && f.mfu! <= 1)) throw new UsageError(`--mfu must be in (0, 1], got ${f.mfu}`);
    if (f["batch-size"] !== undefined && f["batch-size"] < 1) throw new UsageError("--batch-size must be >= 1");
    const device = { memory: f["memory-gb"]!, peak: f["device-peak-tflops"]!, mfu: f.mfu! };
    const sizes = (f.compare ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (f.compare !== undefined && sizes.length === 0) {
      throw new UsageError(`--compare needs at least one GPT-2 size: ${Object.keys(GPT2_SIZES).join(", ")}`);
    }
    for (const n of sizes) gpt2Config(n); // an unknown size fails before any output
    if (f.config) {
      const run = resolveRunConfig(readPreset(f.config));
      const batch = f["batch-size"] ?? run.batchSize;
      const tokens = f.tokens ?? run.maxSteps * batch * run.gradAccumSteps * run.model.contextLength;
      process.stdout.write(account(run.model, { ...device, batch, accum: run.gradAccumSteps, tokens }));
    }
    if (sizes.length > 0) {
      if (f.config) process.stdout.write("\n");
      process.stdout.write(compare(sizes, { ...device, tokens: f.tokens ?? CS336_TOKENS }));
    }
    return 0;
  },
};

export default command;
