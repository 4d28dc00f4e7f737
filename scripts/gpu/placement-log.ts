// Reads ONNX Runtime's verbose session log (stderr of a process that created a session with logSeverity
// "verbose") into a node-placement report: how many nodes each execution provider got, which nodes ended on the
// CPU and why — no kernel on the provider ("CUDA kernel not found in registries"), or ORT's own choice to keep
// cheap shape math on the CPU ("Force fallback to CPU execution") — and the host↔device copies it inserted.
// Pure text in, data out, so it is tested on captured logs; scripts/gpu/placement.ts produces the logs.

export type PlacedNode = { opType: string; name: string };

export type Placement = {
  /** nodes per execution provider, summed over the "Node placements" blocks (ORT counts subgraph nodes too) */
  counts: Record<string, number>;
  /** nodes listed per provider; ORT lists them only when more than one provider is used */
  nodes: Record<string, PlacedNode[]>;
  /** nodes a provider had no kernel for (provider as ORT names it in the message, e.g. "CUDA") */
  noKernel: { provider: string; opType: string; name: string }[];
  /** node names ORT kept on the CPU on purpose (small shape computations feeding CPU-side inputs) */
  cpuPreferred: string[];
  /** whether the log held a "Node placements" block at all (it is printed only at verbose level) */
  found: boolean;
};

export type Verdict =
  /** every node on the CUDA provider */
  | { kind: "all-cuda" }
  /** some nodes on the CPU, each one ORT's own cost choice (shape math): no host round trip of activations */
  | { kind: "cpu-shape-math-only"; cpuNodes: number }
  /** nodes on the CPU for want of a kernel, or for no reason the log gives: the op types to fix */
  | { kind: "cpu-fallback"; cpuNodes: number; opTypes: Record<string, number> }
  /** no placement block in the log (not verbose, or the session failed before placement) */
  | { kind: "unknown" };

export const CPU = "CPUExecutionProvider";
export const CUDA = "CUDAExecutionProvider";

const BLOCK = /(All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/;
// A listed node: the logger's "] " prefix, then three spaces, "OpType (name)".
const LISTED = /VerifyEachNodeIsAssignedToAnEp\] {3}(\S+) \((.*)\)\s*$/;
const NO_KERNEL = /(\w+) kernel not found in registries for Op type: (\S+) node name: (.*?)\s*$/;
const PREFERRED = /Force fallback to CPU execution for node: (.*?) because/;

export function parsePlacementLog(text: string): Placement {
  const out: Placement = { counts: {}, nodes: {}, noKernel: [], cpuPreferred: [], found: false };
  let current: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    const block = BLOCK.exec(line);
    if (block) {
      const [, kind, provider, n] = block as unknown as [string, string, string, string];
      out.found = true;
      out.counts[provider] = (out.counts[provider] ?? 0) + Number(n);
      out.nodes[provider] ??= [];
      current = kind === "All nodes" ? null : provider;
      continue;
    }
    const listed = current ? LISTED.exec(line) : null;
    if (listed && current) {
      out.nodes[current]!.push({ opType: listed[1]!, name: listed[2]! });
      continue;
    }
    current = null;
    const missing = NO_KERNEL.exec(line);
    if (missing) out.noKernel.push({ provider: missing[1]!, opType: missing[2]!, name: missing[3]! });
    const preferred = PREFERRED.exec(line);
    if (preferred) out.cpuPreferred.push(preferred[1]!);
  }
  return out;
}

export function verdict(p: Placement): Verdict {
  if (!p.found) return { kind: "unknown" };
  const cpuNodes = p.counts[CPU] ?? 0;
  if (cpuNodes === 0) return { kind: "all-cuda" };
  const preferred = new Set(p.cpuPreferred);
  const listed = p.nodes[CPU] ?? [];
  const opTypes: Record<string, number> = {};
  for (const n of listed) if (!preferred.has(n.name)) opTypes[n.opType] = (opTypes[n.opType] ?? 0) + 1;
  // Nodes counted but not listed (ORT lists none when one provider got everything) have no known reason.
  const unexplained = Object.values(opTypes).reduce((a, b) => a + b, 0) + Math.max(0, cpuNodes - listed.length);
  if (unexplained === 0) return { kind: "cpu-shape-math-only", cpuNodes };
  if (listed.length < cpuNodes) opTypes["(unlisted)"] = cpuNodes - listed.length;
  return { kind: "cpu-fallback", cpuNodes, opTypes };
}

const count = (xs: readonly string[]) => {
  const m: Record<string, number> = {};
  for (const x of xs) m[x] = (m[x] ?? 0) + 1;
  return Object.entries(m)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ×${n}`)
    .join(", ");
};

/** The report as text lines: providers and counts, CPU nodes by op type with reasons, copies, verdict. */
export function formatPlacement(p: Placement): string {
  const v = verdict(p);
  if (v.kind === "unknown")
    return "no node placement in the log (not verbose, or the session failed before placement)\n";
  const lines = [
    `nodes per provider: ${Object.entries(p.counts)
      .map(([ep, n]) => `${ep} ${n}`)
      .join(", ")}`,
  ];
  const cpu = p.nodes[CPU] ?? [];
  if (cpu.length > 0) {
    const preferred = new Set(p.cpuPreferred);
    const chosen = cpu.filter((n) => preferred.has(n.name)).map((n) => n.opType);
    const other = cpu.filter((n) => !preferred.has(n.name)).map((n) => n.opType);
    if (chosen.length) lines.push(`CPU by ORT's cost choice (shape math): ${count(chosen)}`);
    if (other.length) lines.push(`CPU for other reasons: ${count(other)}`);
  }
  if (p.noKernel.length > 0) {
    lines.push(`no kernel: ${count(p.noKernel.map((n) => `${n.provider}:${n.opType}`))}`);
  }
  const copies = Object.values(p.nodes)
    .flat()
    .filter((n) => n.opType.startsWith("Memcpy"));
  if (copies.length > 0) lines.push(`host/device copies inserted: ${count(copies.map((n) => n.opType))}`);
  lines.push(
    v.kind === "all-cuda"
      ? "verdict: every node on CUDA"
      : v.kind === "cpu-shape-math-only"
        ? `verdict: ${v.cpuNodes} node(s) on CPU, all ORT's shape-math choice; no op lacks a CUDA kernel`
        : `verdict: ${v.cpuNodes} node(s) on CPU that should not be: ${Object.entries(v.opTypes)
            .map(([k, n]) => `${k} ×${n}`)
            .join(", ")}`,
  );
  return `${lines.join("\n")}\n`;
}
