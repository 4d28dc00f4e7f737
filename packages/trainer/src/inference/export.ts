// `export`: a checkpoint → a standalone model.onnx (opset 23, weights as initializers, input `input_ids`
// int64 (batch, seq) → output `logits` float32 (batch, seq, vocab)) plus a small JSON sidecar with the model
// config and the I/O contract. Both are written in full to temporary files before either is renamed into
// place, so a full disk leaves the previous pair as it was. Any ONNX Runtime (Python, C++, web) can run it.
// Leaves out: external-data files for models over protobuf's 2 GB limit, and float16 conversion.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type AtomicFile, openAtomicFile, removeStaleTempFiles } from "../io/atomic-file.ts";
import { loadCheckpoint } from "../run/checkpoint.ts";
import { exportModelBytes, INPUT_IDS, LOGITS } from "./export-graph.ts";

export type ExportResult = {
  modelPath: string;
  sidecarPath: string;
  bytes: number;
  parameters: number;
  /** Temporary files of an earlier export that was killed, removed before writing. */
  removedTemps: string[];
};

/** Where to write: `out` ending in .onnx is the file; otherwise a folder that receives model.onnx. */
function exportPaths(out: string): { modelPath: string; sidecarPath: string } {
  const modelPath = out.endsWith(".onnx") ? resolve(out) : join(resolve(out), "model.onnx");
  return { modelPath, sidecarPath: modelPath.replace(/\.onnx$/, ".json") };
}

/** Writes every file to its temporary file first, then renames them all: none is published unless all fit. */
function writeAll(files: [path: string, bytes: Uint8Array][]): void {
  const open: AtomicFile[] = [];
  try {
    for (const [path, bytes] of files) {
      const f = openAtomicFile(path);
      open.push(f);
      f.write(bytes);
    }
  } catch (e) {
    for (const f of open) f.abort();
    throw e;
  }
  for (const f of open) f.commit();
}

export function exportCheckpoint(checkpointPath: string, out: string): ExportResult {
  const ck = loadCheckpoint(checkpointPath);
  const { modelPath, sidecarPath } = exportPaths(out);
  const dir = dirname(modelPath);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  mkdirSync(dir, { recursive: true });
  // A killed export leaves a temporary file as large as the model.
  const removedTemps = removeStaleTempFiles(dir, [basename(modelPath), basename(sidecarPath)]).map((t) => t.path);
  const bytes = exportModelBytes(ck.model, ck.state.params);
  if (bytes.length >= 2 ** 31) {
    throw new Error(
      `the model is ${bytes.length} bytes, over ONNX's 2 GB protobuf limit (external data is not supported)`,
    );
  }
  const parameters = Object.values(ck.state.params).reduce((n, t) => n + t.data.length, 0);
  const sidecar = {
    format: "cs336-ts-onnx-export",
    version: 1,
    source: resolve(checkpointPath),
    iteration: ck.iteration,
    parameters,
    model: ck.model,
    inputs: [{ name: INPUT_IDS, dtype: "int64", shape: ["batch", "seq"], note: `seq <= ${ck.model.contextLength}` }],
    outputs: [{ name: LOGITS, dtype: "float32", shape: ["batch", "seq", ck.model.vocabSize] }],
  };
  writeAll([
    [modelPath, bytes],
    [sidecarPath, new TextEncoder().encode(`${JSON.stringify(sidecar, null, 2)}\n`)],
  ]);
  return { modelPath, sidecarPath, bytes: bytes.length, parameters, removedTemps };
}
