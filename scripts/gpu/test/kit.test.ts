// The GPU kit's transport on small synthetic files: packKit's parts, stashed one "call" at a time by
// stash-part.sh and rebuilt by reassemble.sh, give back byte-identical files (xz and the python3 fallback);
// a missing part, a damaged part and parts of an older build are caught. Plus which installed files the kit
// takes. The real kit (wheel download, CPU reference, GPU-side chain) is checked by scripts/gpu/check-kit-cpu.sh;
// GPU_KIT_CHECK=1 runs it here too when a kit has been built.
import { afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { keepInKit } from "../kit-files.ts";
import { listFiles, packKit, partName } from "../kit-parts.ts";

const root = resolve(import.meta.dir, "../../..");
let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function bash(script: string, args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync(["bash", join(root, "scripts/gpu", script), ...args], {
    cwd: dir,
    env: { ...process.env, CS336_KIT_STASH: join(dir, "stash"), ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

/** A staged tree (random bytes, text, a nested file, a relative symlink) packed into 64 KiB parts. */
function packed(): { stage: string; calls: number } {
  dir = mkdtempSync(join(tmpdir(), "gpu-kit-"));
  const stage = join(dir, "stage");
  mkdirSync(join(stage, "bin"), { recursive: true });
  mkdirSync(join(stage, "node_modules/@x"), { recursive: true });
  writeFileSync(join(stage, "bin/tool"), randomBytes(300_000)); // incompressible: several parts
  writeFileSync(join(stage, "kit.json"), '{"format":"test"}\n');
  writeFileSync(join(stage, "node_modules/@x/a.js"), "export const a = 1;\n".repeat(500));
  symlinkSync("../../packages/a", join(stage, "node_modules/@x/a"));
  const r = packKit(stage, join(dir, "kit"), { partBytes: 64 << 10, level: "-1", manifest: { test: true } });
  return { stage, calls: r.parts.length };
}

function expectSameTree(a: string, b: string) {
  const files = listFiles(a);
  expect(listFiles(b)).toEqual(files);
  for (const f of files) expect(Buffer.compare(readFileSync(join(a, f)), readFileSync(join(b, f)))).toBe(0);
  expect(readlinkSync(join(b, "node_modules/@x/a"))).toBe("../../packages/a");
}

describe("kit parts", () => {
  for (const [label, env] of [
    ["xz", {}],
    ["python3's lzma", { CS336_KIT_NO_XZ: "1" }],
  ] as const) {
    test(`stashed call by call and reassembled (${label}): identical files, every checksum verified`, () => {
      const { stage, calls } = packed();
      expect(calls).toBeGreaterThanOrEqual(2);
      for (let i = 1; i <= calls; i++) {
        const s = bash("stash-part.sh", [join(dir, "kit", `call-${i}`)]);
        expect(s.code).toBe(0);
        expect(s.out).toContain(`holds ${i} of ${calls} parts`);
      }
      const r = bash("reassemble.sh", [join(dir, "stash"), join(dir, "tree")], env);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toContain("files checked");
      expectSameTree(stage, join(dir, "tree"));
      expect(readFileSync(join(dir, "tree/FILES.sha256"), "utf8")).toContain("  bin/tool\n");
    });
  }

  test("a missing part stops reassembly and says to issue every call again", () => {
    const { calls } = packed();
    for (let i = 1; i < calls; i++) expect(bash("stash-part.sh", [join(dir, "kit", `call-${i}`)]).code).toBe(0);
    const r = bash("reassemble.sh", [join(dir, "stash"), join(dir, "tree")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`missing ${partName(calls - 1)}`);
    expect(r.err).toContain("issue every call again");
  });

  test("a part damaged in transfer is refused when stashed", () => {
    packed();
    const part = join(dir, "kit/call-2", partName(1));
    const bytes = readFileSync(part);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(part, bytes);
    const r = bash("stash-part.sh", [join(dir, "kit/call-2")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${partName(1)} does not match SHA256SUMS`);
  });

  test("parts of an older kit build are dropped when a new build's part arrives", () => {
    packed();
    expect(bash("stash-part.sh", [join(dir, "kit/call-1")]).code).toBe(0);
    writeFileSync(join(dir, "stage/kit.json"), '{"format":"rebuilt"}\n');
    packKit(join(dir, "stage"), join(dir, "kit"), { partBytes: 64 << 10, level: "-1", manifest: {} });
    const r = bash("stash-part.sh", [join(dir, "kit/call-2")]);
    expect(r.err).toContain("another kit build");
    expect(r.out).toContain("holds 1 of");
    expect(existsSync(join(dir, "stash", partName(0)))).toBe(false);
  });
});

describe("kit files", () => {
  test("onnxruntime-node keeps only its JS and the linux-x64 binding; no declarations, maps or nested installs", () => {
    const keep = (rel: string) => keepInKit("onnxruntime-node", rel);
    expect(["dist/index.js", "package.json", "bin", "bin/napi-v6/linux/x64"].every(keep)).toBe(true);
    expect(keep("bin/napi-v6/linux/x64/onnxruntime_binding.node")).toBe(true);
    expect(keep("bin/napi-v6/linux/x64/libonnxruntime.so.1")).toBe(false); // replaced by onnxruntime-gpu's
    expect(keep("bin/napi-v6/linux/arm64")).toBe(false);
    expect(keep("bin/napi-v6/win32/x64/onnxruntime.dll")).toBe(false);
    expect(keep("script/install.js")).toBe(false);
    expect(keepInKit("protobufjs", "cli/node_modules/x/index.js")).toBe(false);
    expect(keepInKit("protobufjs", "index.d.ts")).toBe(false);
    expect(keepInKit("protobufjs", "dist/protobuf.js")).toBe(true);
  });
});

describe.skipIf(!process.env.GPU_KIT_CHECK)("built kit (GPU_KIT_CHECK=1)", () => {
  test("check-kit-cpu.sh passes", () => {
    const p = Bun.spawnSync(["bash", join(root, "scripts/gpu/check-kit-cpu.sh")], { stdout: "pipe", stderr: "pipe" });
    expect(p.stdout.toString()).toContain("check-kit: PASS");
    expect(p.exitCode).toBe(0);
  }, 1_800_000);
});
if (!process.env.GPU_KIT_CHECK) {
  console.log("gpu-kit: the built-kit check is skipped (set GPU_KIT_CHECK=1 after `bun scripts/gpu/kit.ts`)");
}
