// What the GPU checks need to know about the card: its name (nvidia-smi), its dense TF32 tensor-core peak for
// MFU (from NVIDIA's data sheets: the sparse figure halved), and the peak memory a run used, by polling
// nvidia-smi every 100 ms while the run goes on. Every probe answers null where there is no nvidia-smi.

/** Dense TF32 TFLOP/s by card name, first match wins (SXM boards before PCIe/NVL of the same chip). */
const TF32_DENSE: [RegExp, number][] = [
  [/H200 NVL/i, 417.5],
  [/H200/i, 494.7],
  [/H100 NVL/i, 417.5],
  [/H100 PCIe/i, 378.0],
  [/H100/i, 494.7], // "NVIDIA H100 80GB HBM3" is the SXM board
  [/A100/i, 156.0],
  [/L40S/i, 183.0],
];

export function tf32PeakTflops(gpuName: string): number | null {
  return TF32_DENSE.find(([re]) => re.test(gpuName))?.[1] ?? null;
}

/** The first GPU's name, or null without nvidia-smi. */
export function gpuName(): string | null {
  const smi = Bun.which("nvidia-smi");
  if (!smi) return null;
  const p = Bun.spawnSync([smi, "--query-gpu=name", "--format=csv,noheader"], { stdout: "pipe", stderr: "ignore" });
  const name = p.stdout.toString().trim().split("\n")[0] ?? "";
  return p.exitCode === 0 && name !== "" ? name : null;
}

export type MemoryPoller = { stop(): Promise<{ baselineMiB: number | null; peakMiB: number | null }> };

/** Polls memory.used (MiB) of the first GPU until stopped; the first sample is the baseline. */
export function pollGpuMemory(): MemoryPoller {
  const smi = Bun.which("nvidia-smi");
  if (!smi) return { stop: async () => ({ baselineMiB: null, peakMiB: null }) };
  const p = Bun.spawn([smi, "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-lms", "100"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  let baseline: number | null = null;
  let peak: number | null = null;
  const reading = (async () => {
    let rest = "";
    for await (const chunk of p.stdout) {
      rest += new TextDecoder().decode(chunk);
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const mib = Number(line.trim().split(/\s+/)[0]);
        if (!Number.isFinite(mib)) continue;
        baseline ??= mib;
        peak = Math.max(peak ?? mib, mib);
      }
    }
  })();
  return {
    async stop() {
      await Bun.sleep(250); // one more sample after the last run
      p.kill();
      await reading.catch(() => {});
      return { baselineMiB: baseline, peakMiB: peak };
    },
  };
}
