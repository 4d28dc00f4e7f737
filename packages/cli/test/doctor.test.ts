// doctor: on this machine the CPU provider must work and the WASM build must load (so the exit code is 0);
// CUDA lines are informative. Also the report's formatting and the CLI's flags.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { compareVersions, formatReport, runDoctor } from "../src/app/doctor/checks.ts";

const cli = join(import.meta.dir, "../src/main.ts");

describe("doctor", () => {
  test("finds the runtime, the machine, ONNX Runtime and a working CPU provider", async () => {
    const report = await runDoctor();
    const byName = new Map(report.checks.map((c) => [`${c.section}: ${c.name}`, c]));
    expect(byName.get("runtime: JavaScript runtime")?.detail).toContain(`Bun ${Bun.version}`);
    expect(byName.get("machine: CPU")?.detail).toMatch(/^\d+ logical cores/);
    expect(byName.get("onnxruntime: onnxruntime-node")?.detail).toMatch(/^1\.\d+\.\d+/);
    expect(byName.get("onnxruntime: cpu provider")?.status).toBe("ok");
    const cudaLines = report.checks.filter((c) => c.section === "cuda");
    expect(cudaLines.length).toBeGreaterThan(0);
    for (const c of cudaLines) if (c.status !== "ok") expect(c.fix).toBeDefined();
    expect(report.healthy).toBe(report.checks.every((c) => c.status !== "fail" || c.section === "cuda"));
  });

  test("the WASM line carries size and hash when the build exists", async () => {
    const report = await runDoctor();
    const wasm = report.checks.find((c) => c.section === "wasm" && c.name === "tokenizer.wasm");
    expect(wasm).toBeDefined();
    if (wasm?.status === "ok") expect(wasm.detail).toMatch(/KiB, sha256 [0-9a-f]{16}…/);
    else expect(wasm?.fix).toMatch(/build-wasm\.sh/);
  });

  test("names the tokenizer backend CS336_TOKENIZER_BACKEND selects; a bogus value is a failure with its fix", () => {
    const doctor = (backend: string) =>
      Bun.spawnSync(["bun", cli, "doctor", "--json"], {
        stdout: "pipe",
        env: { ...process.env, CS336_TOKENIZER_BACKEND: backend },
      });
    const wasm = JSON.parse(doctor("wasm").stdout.toString());
    expect(wasm.tokenizerBackend.backend).toBe("wasm");
    const line = wasm.checks.find((c: { section: string }) => c.section === "tokenizer");
    expect(line).toMatchObject({ name: "backend", status: "ok" });
    expect(line.detail).toStartWith("wasm (");
    const bogus = doctor("bogus");
    expect(bogus.exitCode).toBe(1);
    const report = JSON.parse(bogus.stdout.toString());
    expect(report.tokenizerBackend).toBeNull();
    const fail = report.checks.find((c: { section: string }) => c.section === "tokenizer");
    expect(fail).toMatchObject({ status: "fail" });
    expect(fail.detail).toContain("CS336_TOKENIZER_BACKEND");
    expect(fail.fix).toContain("auto, native or wasm");
  });

  test("formatReport marks failures and prints their fix", () => {
    const text = formatReport({
      healthy: false,
      checks: [
        { section: "wasm", name: "tokenizer.wasm", status: "fail", detail: "missing", fix: "build it" },
        { section: "machine", name: "CPU", status: "ok", detail: "2 cores" },
      ],
    });
    expect(text).toContain("[FAIL] wasm: tokenizer.wasm");
    expect(text).toContain("fix: build it");
    expect(text).toContain("Something CPU-side is broken");
  });

  test("compareVersions", () => {
    expect(compareVersions("1.4.4", "1.2.0")).toBe(1);
    expect(compareVersions("1.2", "1.2.0")).toBe(0);
    expect(compareVersions("1.10.0", "1.9.9")).toBe(1);
  });

  test("cli: exit 0 with a readable report; --json parses; bad flags exit 2", () => {
    const text = Bun.spawnSync(["bun", cli, "doctor"], { stdout: "pipe", stderr: "pipe" });
    expect(text.exitCode).toBe(0);
    expect(text.stdout.toString()).toMatch(/\[ok {2}\] onnxruntime: cpu provider/);
    const json = Bun.spawnSync(["bun", cli, "doctor", "--json"], { stdout: "pipe" });
    expect(JSON.parse(json.stdout.toString()).healthy).toBe(true);
    const bad = Bun.spawnSync(["bun", cli, "doctor", "--cuda"], { stdout: "pipe", stderr: "pipe" });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.toString()).toMatch(/unknown flag --cuda/);
  });
});
