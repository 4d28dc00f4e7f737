// The one module that imports onnxruntime-node: sessions from emitted model bytes, runs with named typed-array
// feeds, typed results. CPU or CUDA (deviceId); float64 models default to graph optimization level "basic"
// because at higher levels ORT fuses x*Sigmoid(x) into a float-only QuickGelu and refuses to load.
// For GPU checks: CPU fallback can be refused (session creation then fails if any node lands on the CPU) and
// ORT's verbose log, which lists every node's execution provider, can be switched on.
// Leaves out: IO binding and device-resident outputs (the Node binding copies every output to the host).

import * as ort from "onnxruntime-node";
import type { Graph } from "../graph/graph.ts";
import type { DType, TensorData } from "../graph/value.ts";
import { type EmitOptions, emitModel, usesFloat64 } from "../onnx/emit.ts";

export type Device = "cpu" | "cuda";
export type OptimizationLevel = "disabled" | "basic" | "extended" | "all";
export type LogSeverity = "verbose" | "info" | "warning" | "error";

export type SessionOptions = {
  /** execution provider; default cpu */
  device?: Device;
  /** CUDA device ordinal; default 0 */
  deviceId?: number;
  /** default: "basic" for models with float64 tensors, else "all" */
  optimizationLevel?: OptimizationLevel;
  /** intra-op thread count; default ORT's choice (all cores) */
  intraOpThreads?: number;
  /** write ORT's per-node timing trace (Chrome trace JSON) to `<prefix>_<date>.json`; see `endProfiling` */
  profilePrefix?: string;
  /**
   * refuse to create the session when any node would run on the CPU provider (ORT's
   * `session.disable_cpu_ep_fallback`); only meaningful with device cuda: on cpu every session is refused
   */
  disableCpuFallback?: boolean;
  /**
   * ORT's log level for this session, written by the native library to stderr; default "error". "verbose" also
   * raises the process-wide level (provider messages such as missing CUDA kernels use it), which ORT reads
   * once, when the process creates its first session: use it in a process of its own.
   */
  logSeverity?: LogSeverity;
  /** ORT's CPU memory arena (enableCpuMemArena); default on */
  cpuMemArena?: boolean;
  /** ORT's memory pattern planning (enableMemPattern); default on */
  memPattern?: boolean;
  /** extra session config entries (ORT's `session.*` keys, e.g. `intra_op.allow_spinning`) */
  sessionConfig?: Record<string, string>;
};

const CUDA_FIX =
  "the CUDA provider libraries are not installed or cannot load (`bun run cli doctor --try-cuda` names the missing " +
  "ones); `bun run setup` on the GPU machine installs them (ONNXRUNTIME_NODE_INSTALL=cuda12 node " +
  "node_modules/onnxruntime-node/script/install, else PyPI's onnxruntime-gpu of the same version), or use device cpu";

const SEVERITY: Record<LogSeverity, 0 | 1 | 2 | 3> = { verbose: 0, info: 1, warning: 2, error: 3 };

type OrtType = "float32" | "float64" | "int64" | "int32" | "uint8" | "int8" | "bool";
const ORT_TYPES: ReadonlySet<string> = new Set(["float32", "float64", "int64", "int32", "uint8", "int8", "bool"]);

function toOrt(name: string, t: TensorData): ort.Tensor {
  if (!ORT_TYPES.has(t.dtype)) throw new TypeError(`input "${name}": dtype ${t.dtype} cannot be fed`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) {
    throw new RangeError(`input "${name}": shape [${t.shape}] needs ${n} elements, the data has ${t.data.length}`);
  }
  return new ort.Tensor(t.dtype as OrtType, t.data, t.shape);
}

function fromOrt(name: string, t: ort.Tensor): TensorData {
  if (!ORT_TYPES.has(t.type)) throw new TypeError(`output "${name}" has unsupported type ${t.type}`);
  return { dtype: t.type as DType, shape: [...t.dims], data: t.data as TensorData["data"] };
}

export class Session {
  private constructor(
    private readonly inner: ort.InferenceSession,
    readonly device: Device,
  ) {}

  get inputNames(): readonly string[] {
    return this.inner.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.inner.outputNames;
  }

  /** Loads an emitted model. Throws a clear error when CUDA is asked for but not installed. */
  static async create(model: Uint8Array, opts: SessionOptions = {}): Promise<Session> {
    const device = opts.device ?? "cpu";
    const level = opts.optimizationLevel ?? (usesFloat64(model) ? "basic" : "all");
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: level,
      executionProviders: device === "cuda" ? [{ name: "cuda", deviceId: opts.deviceId ?? 0 }] : ["cpu"],
      logSeverityLevel: SEVERITY[opts.logSeverity ?? "error"],
    };
    if (opts.logSeverity === "verbose") ort.env.logLevel = "verbose";
    const sessionConfig = { ...opts.sessionConfig, ...(opts.disableCpuFallback && { disable_cpu_ep_fallback: "1" }) };
    if (Object.keys(sessionConfig).length > 0) options.extra = { session: sessionConfig };
    if (opts.cpuMemArena !== undefined) options.enableCpuMemArena = opts.cpuMemArena;
    if (opts.memPattern !== undefined) options.enableMemPattern = opts.memPattern;
    if (opts.intraOpThreads !== undefined) options.intraOpNumThreads = opts.intraOpThreads;
    if (opts.profilePrefix !== undefined) {
      options.enableProfiling = true;
      options.profileFilePrefix = opts.profilePrefix;
    }
    try {
      return new Session(await ort.InferenceSession.create(model, options), device);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (device === "cuda" && /cuda|provider|libonnxruntime_providers/i.test(msg)) {
        throw new Error(`cannot start ONNX Runtime on cuda:${opts.deviceId ?? 0}: ${CUDA_FIX} (${msg})`);
      }
      throw new Error(`ONNX Runtime rejected the model: ${msg}`);
    }
  }

  /** Runs with named feeds; returns the requested outputs (default all) as typed arrays. */
  async run(feeds: Record<string, TensorData>, outputs?: readonly string[]): Promise<Record<string, TensorData>> {
    const missing = this.inner.inputNames.filter((n) => !(n in feeds));
    if (missing.length > 0) throw new Error(`missing inputs: ${missing.join(", ")}`);
    const extra = Object.keys(feeds).filter((n) => !this.inner.inputNames.includes(n));
    if (extra.length > 0) {
      throw new Error(`unknown inputs: ${extra.join(", ")} (the model takes ${this.inner.inputNames.join(", ")})`);
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(name, t);
    const res = outputs ? await this.inner.run(ortFeeds, [...outputs]) : await this.inner.run(ortFeeds);
    const out: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(res)) out[name] = fromOrt(name, t);
    return out;
  }

  /** Stops profiling (sessions created with `profilePrefix`) and flushes the trace file. */
  endProfiling(): void {
    this.inner.endProfiling();
  }

  async release(): Promise<void> {
    await this.inner.release();
  }
}

/** Emits, loads, runs once and releases: the convenience path for tests and small checks. */
export async function runGraph(
  graph: Graph,
  feeds: Record<string, TensorData>,
  opts: SessionOptions & EmitOptions = {},
): Promise<Record<string, TensorData>> {
  const session = await Session.create(emitModel(graph, opts), opts);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
