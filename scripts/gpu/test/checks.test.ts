// The GPU run's checks, tested where no GPU is: the placement-log parser and its verdicts on CUDA-style logs
// (written in ORT's VerifyEachNodeIsAssignedToAnEp format) and on a real verbose log of the CPU provider, the
// placement script end to end on the CPU (fallback-disabled session refused, verbose retry parsed), the loss
// comparison, the TF32 peak table and the summary's markdown.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compareLosses } from "../compare-losses.ts";
import { tf32PeakTflops } from "../gpu-info.ts";
import { formatSummary } from "../gpu-summary.ts";
import { formatPlacement, parsePlacementLog, verdict } from "../placement-log.ts";

const root = resolve(import.meta.dir, "../../..");
const V = "2026-12-07 08:00:00.000 [V:onnxruntime:, session_state.cc:1377 VerifyEachNodeIsAssignedToAnEp]";
const I = "2026-12-07 08:00:00.000 [I:onnxruntime:, cuda_execution_provider.cc:2800 GetCapability]";

const mixedLog = [
  `${I} CUDA kernel not found in registries for Op type: Loop node name: steps`,
  `${I} ORT optimization- Force fallback to CPU execution for node: /shape/Gather because the CPU execution path is deemed faster than overhead involved with execution on other EPs capable of executing this node`,
  `${V} Node placements`,
  `${V}  Node(s) placed on [CUDAExecutionProvider]. Number of nodes: 3`,
  `${V}   MatMul (layers.0/MatMul_0)`,
  `${V}   MemcpyFromHost (Memcpy)`,
  `${V}   MemcpyToHost (Memcpy_token_1)`,
  `${V}  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 2`,
  `${V}   Loop (steps)`,
  `${V}   Gather (/shape/Gather)`,
  "2026-12-07 08:00:00.000 [W:onnxruntime:, session_state.cc:1359 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance.",
].join("\n");

describe("placement log", () => {
  test("a mixed placement: counts, listed nodes, the missing kernel, ORT's shape-math choice, copies", () => {
    const p = parsePlacementLog(mixedLog);
    expect(p.counts).toEqual({ CUDAExecutionProvider: 3, CPUExecutionProvider: 2 });
    expect(p.nodes.CPUExecutionProvider).toEqual([
      { opType: "Loop", name: "steps" },
      { opType: "Gather", name: "/shape/Gather" },
    ]);
    expect(p.noKernel).toEqual([{ provider: "CUDA", opType: "Loop", name: "steps" }]);
    expect(p.cpuPreferred).toEqual(["/shape/Gather"]);
    expect(verdict(p)).toEqual({ kind: "cpu-fallback", cpuNodes: 2, opTypes: { Loop: 1 } });
    const text = formatPlacement(p);
    expect(text).toContain("CPU by ORT's cost choice (shape math): Gather ×1");
    expect(text).toContain("CPU for other reasons: Loop ×1");
    expect(text).toContain("no kernel: CUDA:Loop ×1");
    expect(text).toContain("host/device copies inserted: MemcpyFromHost ×1, MemcpyToHost ×1");
    expect(text).toContain("verdict: 2 node(s) on CPU that should not be: Loop ×1");
  });

  test("only shape math on the CPU passes; everything on CUDA passes; no placement block is unknown", () => {
    const shapeOnly = mixedLog.replace("Number of nodes: 2", "Number of nodes: 1").replace(`${V}   Loop (steps)\n`, "");
    expect(verdict(parsePlacementLog(shapeOnly))).toEqual({ kind: "cpu-shape-math-only", cpuNodes: 1 });
    const all = `${V} Node placements\n${V}  All nodes placed on [CUDAExecutionProvider]. Number of nodes: 812`;
    expect(verdict(parsePlacementLog(all))).toEqual({ kind: "all-cuda" });
    expect(formatPlacement(parsePlacementLog(all))).toContain("verdict: every node on CUDA");
    expect(verdict(parsePlacementLog("nothing verbose here\n"))).toEqual({ kind: "unknown" });
  });
});

describe("placement script on the CPU provider", () => {
  let out = "";
  afterEach(() => rmSync(out, { recursive: true, force: true }));

  test("fallback-disabled session refused, verbose retry parsed from ORT's real log", () => {
    out = mkdtempSync(join(tmpdir(), "placement-"));
    const args = ["--config", "configs/tinystories-cpu.json", "--device", "cpu", "--batch-size", "2", "--out", out];
    const p = Bun.spawnSync([process.execPath, "scripts/gpu/placement.ts", ...args], { cwd: root, stdout: "pipe" });
    // On the CPU every node is "CPU fallback" from CUDA's point of view: exit 3, all nodes counted, none listed.
    expect(p.exitCode).toBe(3);
    const report = JSON.parse(readFileSync(join(out, "placement-opset23.json"), "utf8"));
    expect(report.strict.created).toBe(false);
    expect(report.strict.error).toContain("fallback to CPU EP has been explicitly disabled");
    expect(report.verbose.created).toBe(true);
    expect(report.placement.found).toBe(true);
    expect(report.placement.counts.CPUExecutionProvider).toBeGreaterThan(100);
    expect(report.verdict.kind).toBe("cpu-fallback");
    expect(readFileSync(join(out, "placement-opset23.log"), "utf8")).toContain(
      "All nodes placed on [CPUExecutionProvider]",
    );
  }, 120_000);
});

describe("loss comparison", () => {
  test("within tolerance passes; one step beyond it, a NaN, or too few steps does not", () => {
    const ref = [9.2, 9.0, 8.5];
    expect(compareLosses(ref, [9.21, 9.05, 8.49], 3, 1e-2).pass).toBe(true);
    const off = compareLosses(ref, [9.2, 9.2, 8.5], 3, 1e-2);
    expect(off).toMatchObject({ pass: false, worstStep: 2 });
    expect(off.maxRelErr).toBeCloseTo(0.2 / 9, 6);
    expect(compareLosses(ref, [9.2, Number.NaN, 8.5], 3, 1e-2)).toMatchObject({ pass: false, worstStep: 2 });
    expect(() => compareLosses(ref, [9.2], 3, 1e-2)).toThrow(/need 3 losses on each side/);
  });
});

describe("GPU figures", () => {
  test("dense TF32 peaks by nvidia-smi name; unknown cards give no MFU", () => {
    expect(tf32PeakTflops("NVIDIA H100 80GB HBM3")).toBe(494.7);
    expect(tf32PeakTflops("NVIDIA H100 PCIe")).toBe(378);
    expect(tf32PeakTflops("NVIDIA H200")).toBe(494.7);
    expect(tf32PeakTflops("NVIDIA GeForce RTX 4090")).toBeNull();
  });

  test("the summary holds the throughput row, the projection and the loss verdict", () => {
    const md = formatSummary({
      device: "cuda",
      gpu: "NVIDIA H100 80GB HBM3",
      startedAt: "t0",
      finishedAt: "t1",
      opset: 23,
      steps: [{ name: "doctor", cmd: "bun cli doctor", code: 0, seconds: 3, limitS: 90, timedOut: false }],
      placement: { 23: { text: "verdict: every node on CUDA\n" } },
      throughput: [{ config: "configs/tinystories-h100.json", k: 20, tokensPerSec: 273_066.7, tflops: 100, mfu: 0.2 }],
      match: compareLosses([9, 8], [9.01, 8.01], 2, 1e-2),
    });
    // 327,680,000 tokens at 273,066.7 tokens/s = 1,200 s.
    expect(md).toContain("| tinystories-h100 | 20 | 273,067 | 100.0 | 20.0% | – | – | 20.0 min |");
    expect(md).toContain("PASS: first 2 losses within 0.01 relative");
    expect(md).toContain("verdict: every node on CUDA");
  });
});
