// The run configuration: the model (packages/model's ModelConfig) plus everything the training loop needs,
// with a default and a comment per field; one field table (FIELDS: kebab-case flag, value kind, help) that
// parses flag values and generates the CLI's `train` flags and their help (CONFIG_FLAGS); and one validation
// pass with messages that say how to fix the value. Presets in configs/*.json are partial RunConfigs; flags
// override them field by field. Leaves out: architecture checks (resolveModelConfig).
import {
  ConfigError,
  MODEL_DEFAULTS,
  type ModelConfig,
  type ModelConfigInput,
  resolveModelConfig,
  type TrainHyper,
} from "@cs336-ts/model";
import type { Device } from "@cs336-ts/model/runtime";

export { ConfigError };

export type TrainingConfig = {
  /** Token array (.npy) to train on. */
  train: string;
  /** Token array (.npy) for validation loss; null trains without validation (and without a best checkpoint). */
  val: string | null;
  /** Run folder: config.json, run.json, metrics.jsonl, checkpoints/, curves.svg. */
  out: string;
  /**
   * Tokenizer folder (vocab.json + merges.txt): the run records its sha256 and folder, which generate and eval
   * check and default to, and sampleEvery encodes the prompt with it; null records none.
   */
  tokenizer: string | null;
  /** Sequences per micro-batch (B); an optimizer step sees batchSize * gradAccumSteps sequences. */
  batchSize: number;
  /** Micro-batches averaged into each optimizer step (gradient accumulation, A); memory is that of one. */
  gradAccumSteps: number;
  /** Total optimizer steps; tokens seen = maxSteps * batchSize * gradAccumSteps * contextLength. */
  maxSteps: number;
  /** Stop once this many tokens are trained on (the step that reaches it is the last); null: no limit. */
  maxTokens: number | null;
  /**
   * Wall-clock budget in seconds (validation, samples and checkpoints included; continued across resumes);
   * null: none. The run's last step is re-estimated after every graph run from this session's rate so that
   * it ends, validated and saved, within the budget, and the cosine ends at that step (see loop/budget.ts).
   */
  maxSeconds: number | null;
  /** Peak learning rate, reached at the end of warmup. */
  lrMax: number;
  /** Floor of the cosine schedule, held after cosineSteps. */
  lrMin: number;
  /** Linear warmup steps from 0 to lrMax. */
  warmupSteps: number;
  /** Step at which the cosine reaches lrMin; null means maxSteps. */
  cosineSteps: number | null;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** AdamW first-moment decay. */
  beta1: number;
  /** AdamW second-moment decay. */
  beta2: number;
  /** AdamW epsilon. */
  adamEps: number;
  /** Global L2 gradient-norm clip; 0 disables clipping. */
  gradClip: number;
  /** K: optimizer steps per run of the training graph (host <-> device copies happen once per K). */
  stepsPerRun: number;
  /** Validation loss every this many steps (and at the end); 0 only at the end. */
  evalEvery: number;
  /** Fixed validation batches (chosen once from the seed) averaged for each validation loss. */
  evalBatches: number;
  /** Checkpoint every this many steps (and at the end); 0 only at the end. */
  checkpointEvery: number;
  /** Periodic checkpoints kept (older ones are deleted); the best by validation loss is kept apart. */
  keepLast: number;
  /** Progress line every this many steps when stderr is not a terminal. */
  logEvery: number;
  /** Seed of initialization, batch order and validation batches. */
  seed: number;
  /** Execution provider: cpu, or cuda (needs the CUDA provider libraries, see `bun run cli doctor`). */
  device: Device;
  /** Intra-op threads for the CPU provider; 0 lets the runtime choose. */
  threads: number;
  /** The device's peak TFLOP/s, for model FLOPs utilization (MFU) in the progress line and metrics; null: none. */
  peakTflops: number | null;
  /** Sample a continuation every this many steps (and at the end) into samples.jsonl; 0: never. Needs tokenizer. */
  sampleEvery: number;
  /** Prompt of those samples ("" starts from <|endoftext|>). */
  samplePrompt: string;
  /** Their softmax temperature (0: greedy). */
  sampleTemperature: number;
  /** Their nucleus mass in (0, 1]. */
  sampleTopP: number;
  /** Most tokens per sample. */
  sampleTokens: number;
};

export type RunConfig = { model: ModelConfig } & TrainingConfig;

/** A preset or checkpoint config before defaults: any subset of fields. */
export type RunConfigInput = { model?: ModelConfigInput } & Partial<TrainingConfig>;

export const TRAINING_DEFAULTS: Readonly<TrainingConfig> = Object.freeze({
  train: "data/tinystories/train.npy",
  val: "data/tinystories/valid.npy",
  out: "runs/default",
  tokenizer: null,
  batchSize: 32,
  gradAccumSteps: 1,
  maxSteps: 1000,
  maxTokens: null,
  maxSeconds: null,
  lrMax: 1e-3,
  lrMin: 1e-4,
  warmupSteps: 100,
  cosineSteps: null,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  adamEps: 1e-8,
  gradClip: 1.0,
  stepsPerRun: 8,
  evalEvery: 200,
  evalBatches: 8,
  checkpointEvery: 500,
  keepLast: 3,
  logEvery: 10,
  seed: 0,
  device: "cpu",
  threads: 0,
  peakTflops: null,
  sampleEvery: 0,
  samplePrompt: "Once upon a time",
  sampleTemperature: 0.8,
  sampleTopP: 0.95,
  sampleTokens: 64,
});

type Kind = "int" | "int|auto" | "number" | "string" | "path?" | "bool" | { choices: readonly string[] };

/** One settable field: where it lives, its flag and how to parse it. */
type FieldDef = { key: string; model: boolean; flag: string; kind: Kind; help: string };

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const MODEL_FIELDS: [keyof ModelConfig, Kind, string][] = [
  ["vocabSize", "int", "vocabulary size (must cover every token id in the data)"],
  ["contextLength", "int", "sequence length T"],
  ["dModel", "int", "residual width"],
  ["numLayers", "int", "Transformer blocks"],
  ["numHeads", "int", "attention heads (must divide d-model)"],
  ["dFf", "int|auto", "feed-forward hidden width; auto: 8/3·d-model to a multiple of 64 (SwiGLU), 3/2 of that (SiLU)"],
  ["ropeTheta", "number", "RoPE base"],
  ["norm", { choices: ["pre", "post", "none"] }, "RMSNorm placement"],
  ["positional", { choices: ["rope", "none"] }, "positional encoding"],
  ["ffn", { choices: ["swiglu", "silu"] }, "feed-forward kind"],
  ["tiedEmbeddings", "bool", "share the embedding with the LM head"],
  ["eps", "number", "RMSNorm epsilon"],
];

const TRAINING_FIELDS: [keyof TrainingConfig, Kind, string][] = [
  ["train", "string", "training token array (.npy)"],
  ["val", "path?", "validation token array (.npy); 'none' to skip validation"],
  ["out", "string", "run folder"],
  ["tokenizer", "path?", "tokenizer folder (train-bpe's): its hash is recorded for generate/eval, and samples use it"],
  ["batchSize", "int", "sequences per micro-batch (per step without accumulation)"],
  ["gradAccumSteps", "int", "micro-batches averaged into each optimizer step"],
  ["maxSteps", "int", "total optimizer steps"],
  ["maxTokens", "int", "stop after this many training tokens (default: none)"],
  ["maxSeconds", "number", "wall-clock budget in seconds; the cosine schedule is fitted to end there (default: none)"],
  ["lrMax", "number", "peak learning rate"],
  ["lrMin", "number", "final learning rate"],
  ["warmupSteps", "int", "linear warmup steps"],
  ["cosineSteps", "int", "step where the cosine reaches lr-min (default: max-steps)"],
  ["weightDecay", "number", "AdamW weight decay"],
  ["beta1", "number", "AdamW beta1"],
  ["beta2", "number", "AdamW beta2"],
  ["adamEps", "number", "AdamW epsilon"],
  ["gradClip", "number", "max global gradient L2 norm (0: off)"],
  ["stepsPerRun", "int", "optimizer steps per graph run (K)"],
  ["evalEvery", "int", "validate every N steps (0: only at the end)"],
  ["evalBatches", "int", "fixed validation batches per evaluation"],
  ["checkpointEvery", "int", "checkpoint every N steps (0: only at the end)"],
  ["keepLast", "int", "periodic checkpoints to keep"],
  ["logEvery", "int", "progress line every N steps when not on a terminal"],
  ["seed", "int", "random seed"],
  ["device", { choices: ["cpu", "cuda"] }, "execution provider"],
  ["threads", "int", "CPU intra-op threads (0: runtime default)"],
  ["peakTflops", "number", "device peak TFLOP/s for MFU (e.g. 19.5: an A100's float32, as `account` assumes)"],
  ["sampleEvery", "int", "sample a continuation every N steps into samples.jsonl (0: never; needs --tokenizer)"],
  ["samplePrompt", "string", "prompt of those samples"],
  ["sampleTemperature", "number", "temperature of those samples (0: greedy)"],
  ["sampleTopP", "number", "top-p of those samples"],
  ["sampleTokens", "int", "most tokens per sample"],
];

/** Every settable field; the model's `eps` takes the flag --norm-eps so it cannot be mistaken for AdamW's. */
export const FIELDS: readonly FieldDef[] = [
  ...MODEL_FIELDS.map(([key, kind, help]) => ({
    key,
    model: true,
    flag: key === "eps" ? "norm-eps" : kebab(key),
    kind,
    help,
  })),
  ...TRAINING_FIELDS.map(([key, kind, help]) => ({ key, model: false, flag: kebab(key), kind, help })),
];

/**
 * A field as a command-line flag, in the shape packages/cli's FlagSpec takes. Numbers and booleans are parsed
 * by the flag parser (a usage error); paths and choices arrive as text and go through parseFieldValue.
 */
export type FieldFlag =
  | { type: "number"; integer?: boolean; help: string }
  | { type: "boolean"; help: string }
  | { type: "string"; help: string };

function flagOf({ kind, help }: FieldDef): FieldFlag {
  if (kind === "int") return { type: "number", integer: true, help };
  if (kind === "number") return { type: "number", help };
  if (kind === "bool") return { type: "boolean", help };
  if (typeof kind === "object") return { type: "string", help: `${help}: ${kind.choices.join("|")}` };
  return { type: "string", help };
}

/** Every field's flag, keyed by flag name: what `bun run cli train` accepts besides --config and --resume. */
export const CONFIG_FLAGS: Readonly<Record<string, FieldFlag>> = Object.fromEntries(
  FIELDS.map((f) => [f.flag, flagOf(f)]),
);

/** Parses a flag's string value for a field; throws ConfigError with the flag name. */
function parseFieldValue(field: FieldDef, raw: string): unknown {
  const k = field.kind;
  const bad = (what: string) => new ConfigError(`--${field.flag} must be ${what}, got "${raw}"`);
  if (k === "string") return raw;
  if (k === "int|auto") {
    if (raw === "auto") return raw;
    if (!Number.isSafeInteger(Number(raw)) || raw.trim() === "") throw bad('an integer or "auto"');
    return Number(raw);
  }
  if (k === "path?") return raw === "none" || raw === "" ? null : raw;
  if (k === "bool") {
    if (raw === "true" || raw === "false") return raw === "true";
    throw bad("true or false");
  }
  if (typeof k === "object") {
    if (k.choices.includes(raw)) return raw;
    throw bad(`one of ${k.choices.join(", ")}`);
  }
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw bad("a number");
  if (k === "int" && !Number.isSafeInteger(n)) throw bad("an integer");
  return n;
}

/** Builds a config layer from flag values keyed by flag name (strings are parsed, numbers/booleans kept). */
export function configFromFlags(values: ReadonlyMap<string, unknown>): RunConfigInput {
  const model: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  for (const [flag, raw] of values) {
    const field = FIELDS.find((f) => f.flag === flag);
    if (!field) throw new ConfigError(`--${flag} is not a config field`);
    const value = typeof raw === "string" ? parseFieldValue(field, raw) : raw;
    (field.model ? model : out)[field.key] = value;
  }
  if (Object.keys(model).length > 0) out.model = model;
  return out as RunConfigInput;
}

/** Layers overrides (later wins) onto defaults, validates everything once, and returns a RunConfig. */
export function resolveRunConfig(...layers: RunConfigInput[]): RunConfig {
  const known = new Set<string>(["model", ...Object.keys(TRAINING_DEFAULTS)]);
  const modelIn: ModelConfigInput = {};
  const trainIn: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (!known.has(key)) throw new ConfigError(`unknown config field "${key}"${near(key, [...known])}`);
      if (key === "model") {
        if (typeof value !== "object" || value === null) throw new ConfigError(`"model" must be an object`);
        Object.assign(modelIn, value);
      } else if (value !== undefined) {
        trainIn[key] = value;
      }
    }
  }
  const model = resolveModelConfig(modelIn);
  const t = { ...TRAINING_DEFAULTS, ...trainIn } as TrainingConfig;
  validateTraining(t);
  const config = { model, ...t };
  const last = stepLimit(config);
  if (t.cosineSteps === null && last < t.maxSteps && last <= t.warmupSteps) {
    throw new ConfigError(
      `maxTokens (--max-tokens ${t.maxTokens}) ends the run at step ${last}, within the ${t.warmupSteps} warmup ` +
        "steps; raise --max-tokens or lower --warmup-steps",
    );
  }
  return config;
}

/** A value as the user wrote it: JSON, except numbers, whose NaN and Infinity JSON.stringify prints as null. */
const show = (v: unknown) => (typeof v === "number" ? String(v) : JSON.stringify(v));

function validateTraining(t: TrainingConfig): void {
  const flag = (key: string) => `${key} (--${FIELDS.find((f) => !f.model && f.key === key)?.flag})`;
  const int = (key: keyof TrainingConfig, min: number) => {
    const v = t[key];
    if (!(typeof v === "number" && Number.isSafeInteger(v) && v >= min)) {
      throw new ConfigError(`${flag(key)} must be an integer >= ${min}, got ${show(v)}`);
    }
  };
  const num = (key: keyof TrainingConfig, ok: (v: number) => boolean, what: string) => {
    const v = t[key];
    if (!(typeof v === "number" && Number.isFinite(v) && ok(v))) {
      throw new ConfigError(`${flag(key)} must be ${what}, got ${show(v)}`);
    }
  };
  for (const key of ["train", "out"] as const) {
    if (typeof t[key] !== "string" || t[key] === "") throw new ConfigError(`${flag(key)} must be a non-empty path`);
  }
  for (const key of ["val", "tokenizer"] as const) {
    if (t[key] !== null && typeof t[key] !== "string") throw new ConfigError(`${flag(key)} must be a path or null`);
  }
  int("batchSize", 1);
  int("gradAccumSteps", 1);
  int("maxSteps", 1);
  int("warmupSteps", 0);
  int("stepsPerRun", 1);
  int("evalEvery", 0);
  int("evalBatches", 1);
  int("checkpointEvery", 0);
  int("keepLast", 1);
  int("logEvery", 1);
  int("seed", 0);
  int("threads", 0);
  num("lrMax", (v) => v > 0, "a positive number");
  num("lrMin", (v) => v >= 0 && v <= t.lrMax, `a number in [0, lr-max = ${t.lrMax}]`);
  num("weightDecay", (v) => v >= 0, "a number >= 0");
  num("beta1", (v) => v >= 0 && v < 1, "in [0, 1)");
  num("beta2", (v) => v >= 0 && v < 1, "in [0, 1)");
  num("adamEps", (v) => v > 0, "a positive number");
  num("gradClip", (v) => v >= 0, "a number >= 0 (0 turns clipping off)");
  if (t.maxTokens !== null) int("maxTokens", 1);
  if (t.maxSeconds !== null) num("maxSeconds", (v) => v > 0, "a positive number of seconds");
  if (t.peakTflops !== null) num("peakTflops", (v) => v > 0, "a positive number of TFLOP/s");
  int("sampleEvery", 0);
  int("sampleTokens", 1);
  if (typeof t.samplePrompt !== "string") throw new ConfigError(`${flag("samplePrompt")} must be text`);
  num("sampleTemperature", (v) => v >= 0, "a number >= 0 (0 = greedy)");
  num("sampleTopP", (v) => v > 0 && v <= 1, "in (0, 1]");
  if (t.sampleEvery > 0 && t.tokenizer === null) {
    throw new ConfigError(
      `sampleEvery (--sample-every ${t.sampleEvery}) needs the data's tokenizer to encode the prompt and decode ` +
        "the samples: pass --tokenizer DIR (the train-bpe output)",
    );
  }
  if (t.cosineSteps !== null) {
    int("cosineSteps", 1);
    if (t.cosineSteps <= t.warmupSteps) {
      throw new ConfigError(
        `cosineSteps (--cosine-steps ${t.cosineSteps}) must be greater than warmupSteps (--warmup-steps ${t.warmupSteps})`,
      );
    }
  } else if (t.maxSteps <= t.warmupSteps) {
    throw new ConfigError(
      `warmupSteps (${t.warmupSteps}) must be smaller than maxSteps (${t.maxSteps}); lower --warmup-steps or raise --max-steps`,
    );
  }
  if (t.device !== "cpu" && t.device !== "cuda") {
    throw new ConfigError(`device (--device) must be "cpu" or "cuda", got ${show(t.device)}`);
  }
}

/** The cosine schedule's last step: cosineSteps, or the run's last step when unset. */
export function cosineCycle(c: RunConfig): number {
  return c.cosineSteps ?? stepLimit(c);
}

/** Tokens processed per optimizer step (every micro-batch of it). */
export function tokensPerStep(c: RunConfig): number {
  return c.batchSize * c.gradAccumSteps * c.model.contextLength;
}

/** The run's last step before any time budget: maxSteps, or the step that reaches maxTokens if sooner. */
export function stepLimit(c: RunConfig): number {
  return c.maxTokens === null ? c.maxSteps : Math.min(c.maxSteps, Math.ceil(c.maxTokens / tokensPerStep(c)));
}

/** Model fields that differ between two configs, as "field: a -> b" (empty when the shapes agree). */
export function architectureDiff(a: ModelConfig, b: ModelConfig): string[] {
  return (Object.keys(MODEL_DEFAULTS) as (keyof ModelConfig)[])
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`);
}

/** Parses a preset's JSON text (a partial RunConfig); the error names the file. */
export function parsePreset(text: string, source: string): RunConfigInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${source} must hold a JSON object of config fields`);
  }
  const { $comment: _, ...fields } = value as Record<string, unknown>;
  rejectNonFinite(fields, text, source, "");
  return fields as RunConfigInput;
}

/**
 * JSON.parse reads a number beyond float64's range (1e999) as Infinity, which every later message would show
 * as JSON's `null`: refuse it here, quoting the number as the file writes it.
 */
function rejectNonFinite(value: unknown, text: string, source: string, at: string): void {
  if (typeof value === "number" && !Number.isFinite(value)) {
    const key = (at.split(".").at(-1) ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const literals = [...text.matchAll(new RegExp(`"${key}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)`, "g"))].map((m) => m[1]);
    const written = literals.find((l) => l !== undefined && !Number.isFinite(Number(l))) ?? String(value);
    throw new ConfigError(`${source}: ${at} must be a finite number, got ${written}`);
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) rejectNonFinite(v, text, source, at === "" ? k : `${at}.${k}`);
  }
}

function near(key: string, keys: string[]): string {
  const lower = key.toLowerCase().replace(/[-_]/g, "");
  const hit = keys.find((k) => k.toLowerCase() === lower);
  return hit ? ` (did you mean "${hit}"?)` : ` (known: ${keys.join(", ")})`;
}

/** The AdamW and clipping settings of a run, as the training graph takes them (gradClip 0: no clipping). */
export function trainHyperOf(c: RunConfig): TrainHyper {
  return {
    beta1: c.beta1,
    beta2: c.beta2,
    eps: c.adamEps,
    weightDecay: c.weightDecay,
    maxGradNorm: c.gradClip > 0 ? c.gradClip : null,
  };
}
