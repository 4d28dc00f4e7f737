// The npm package in a real browser: the packed tarball (`bun run tarball`) extracted into an app's
// node_modules, bundled by esbuild and by Vite for the browser (the `browser` condition: dist/web-index.js),
// served from 127.0.0.1 and run in headless Chromium (Debian's chromium driven by puppeteer-core). The
// page loads GPT-2's ranks from a URL, encodes and decodes against tiktoken's ids, encodes a Blob with
// encodeFile (2 encoding Workers in the page), and trains a small BPE in the page (with and without
// training Workers); a module Web Worker of the app's own does the same.
// A screenshot of each page goes to .cache/browser-test/. Skipped where no Chromium is installed.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { get_encoding } from "tiktoken";
import { installTarball } from "./support/tarball.ts";

const PKG = resolve(import.meta.dir, "..");
const CHROMIUM = "/usr/bin/chromium";
const SHOTS = resolve(PKG, "../../.cache/browser-test");
const have = existsSync(CHROMIUM);
if (!have) console.warn(`browser tests skipped: no ${CHROMIUM} (bun run setup installs Debian's chromium as root)`);

const TEXTS = [
  "Hello, world! It's 2024.",
  "héllo wörld 日本語 🙂 naïve   \r\n  end",
  "def f(x):\n        return x  *  2\n\n\n    # indented",
];

// The app: the same checks in the page and in a module Web Worker (`run` is shared by both bundles).
const RUN = `
import { encodeFile, init, Tokenizer, trainBpe } from "@cs336-ts/tokenizer";
export async function run(workers, base) {
  const out = {};
  try {
    await init();
    const ranks = await (await fetch(new URL("gpt2.json", base))).text();
    const tok = Tokenizer.fromRankText(ranks, { "<|endoftext|>": 50256 });
    const texts = await (await fetch(new URL("texts.json", base))).json();
    out.ids = texts.map((t) => Array.from(tok.encode(t)));
    out.decoded = out.ids.map((ids) => tok.decode(ids));
    // A page's File is a Blob: ranges of ~20 bytes, so several reach each Worker.
    out.blobIds = [];
    const blob = new Blob([texts.join("<|endoftext|>")]);
    const specialTokens = { "<|endoftext|>": 50256 };
    const options = { allowedSpecial: "all" };
    const onIds = (ids) => out.blobIds.push(...ids);
    await encodeFile({ input: blob, ranks: { text: ranks, specialTokens }, options, workers, rangeBytes: 20, onIds });
    const corpus = new TextEncoder().encode(
      Array.from({ length: 300 }, (_, i) => "The cat " + i + " sat; it's there.<|endoftext|>").join("\\n"),
    );
    const opts = { input: corpus, vocabSize: 300, specialTokens: ["<|endoftext|>"] };
    const serial = await trainBpe({ ...opts, workers: 0 });
    out.merges = serial.merges.length;
    out.vocab = serial.vocab.size;
    if (workers) {
      const parallel = await trainBpe({ ...opts, workers, chunkBytes: 1000 });
      const key = (m) => m.map(([a, b]) => a.join() + "|" + b.join()).join(";");
      out.sameMerges = key(parallel.merges) === key(serial.merges);
      out.workers = parallel.stats.workers;
    }
  } catch (e) {
    out.error = String(e && e.stack ? e.stack : e);
  }
  return out;
}
`;
const PAGE = `
import { run } from "./run.js";
const page = await run(2, location.href);
const worker = await new Promise((done) => {
  const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  w.onmessage = (e) => done(e.data);
  w.onerror = (e) => done({ error: "worker: " + e.message });
  w.postMessage(location.href); // the page's folder, where the data is (a bundled Worker may sit elsewhere)
});
globalThis.__result = { page, worker };
document.querySelector("pre").textContent = JSON.stringify(globalThis.__result);
`;
const WORKER = `
import { run } from "./run.js";
onmessage = async (e) => postMessage(await run(0, e.data));
`;
const html = (script: string) => `<!doctype html><meta charset="utf-8"><title>@cs336-ts/tokenizer in the browser</title>
<pre style="white-space:pre-wrap;font:11px monospace">running…</pre><script type="module" src="${script}"></script>`;

const BUNDLERS = ["esbuild", "vite"] as const;
let app = "";
let server: ReturnType<typeof Bun.serve> | undefined;

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/** esbuild: leaves `new URL("./x", import.meta.url)` alone, so the wasm and the two Workers are
 * served beside the bundle, as the README tells esbuild users to do. */
async function buildEsbuild(src: string, out: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    absWorkingDir: app,
    entryPoints: [join(src, "page.js"), join(src, "worker.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: out,
    logLevel: "error",
  });
  const dist = join(app, "node_modules/@cs336-ts/tokenizer/dist");
  for (const f of ["tokenizer.wasm", "web-train-worker.js", "web-encode-worker.js"])
    copyFileSync(join(dist, f), join(out, f));
  writeFileSync(join(out, "index.html"), html("./page.js"));
}

/** Vite: follows the package's `new URL(…)` and `new Worker(new URL(…))` itself; nothing is copied. */
async function buildVite(src: string, out: string): Promise<void> {
  writeFileSync(join(src, "index.html"), html("./page.js"));
  const vite = await import("vite");
  await vite.build({
    root: src,
    base: "./",
    configFile: false,
    logLevel: "error",
    build: { outDir: out, target: "es2022", emptyOutDir: true },
    worker: { format: "es" },
  });
}

beforeAll(async () => {
  if (!have) return;
  app = mkdtempSync(join(tmpdir(), "tok-browser-"));
  installTarball(app);
  const src = join(app, "src");
  mkdirSync(src);
  writeFileSync(join(src, "run.js"), RUN);
  writeFileSync(join(src, "page.js"), PAGE);
  writeFileSync(join(src, "worker.js"), WORKER);
  const www = join(app, "www");
  await buildEsbuild(src, join(www, "esbuild"));
  await buildVite(src, join(www, "vite"));
  for (const b of BUNDLERS) {
    copyFileSync(createRequire(import.meta.url).resolve("tiktoken/encoders/gpt2.json"), join(www, b, "gpt2.json"));
    writeFileSync(join(www, b, "texts.json"), JSON.stringify(TEXTS));
  }
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      let name = new URL(req.url).pathname.slice(1);
      if (name === "" || name.endsWith("/")) name += "index.html";
      const file = join(www, name);
      if (name.includes("..") || !existsSync(file)) return new Response("not found", { status: 404 });
      return new Response(readFileSync(file), { headers: { "content-type": TYPES[extname(name)] ?? "text/plain" } });
    },
  });
}, 120_000); // a fresh checkout's first `bun run tarball` builds dist/ (~30 s)

afterAll(() => {
  server?.stop(true);
});

type Run = {
  ids: number[][];
  decoded: string[];
  blobIds: number[];
  merges: number;
  vocab: number;
  sameMerges?: boolean;
  workers?: number;
  error?: string;
};

test.skipIf(!have).each(BUNDLERS)(
  "%s bundle of the packed tarball: encode, decode and train in Chromium, page and Worker",
  async (bundler) => {
    // The bundles have no Node import left for a bundler to trip on.
    const out = join(app, "www", bundler);
    for (const f of readdirSync(out, { recursive: true, encoding: "utf8" }).filter((n) => n.endsWith(".js"))) {
      expect(readFileSync(join(out, f), "utf8").match(/(from|import\(|require\()\s*["']node:/)?.[0]).toBeUndefined();
    }
    const puppeteer = await import("puppeteer-core");
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: ["--headless=new", "--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on("console", (m) => logs.push(m.text()));
      page.on("pageerror", (e) => logs.push(String(e)));
      await page.goto(`http://127.0.0.1:${server?.port}/${bundler}/`);
      await page.waitForFunction("globalThis.__result !== undefined", { timeout: 15_000 });
      const got = (await page.evaluate("globalThis.__result")) as { page: Run; worker: Run };
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${bundler}.png`) });

      const enc = get_encoding("gpt2");
      const want = TEXTS.map((t) => Array.from(enc.encode(t)));
      const wantBlob = Array.from(enc.encode(TEXTS.join("<|endoftext|>"), "all"));
      enc.free();
      for (const [where, r] of Object.entries(got)) {
        expect(r.error, `${where}: ${r.error}\n${logs.join("\n")}`).toBeUndefined();
        expect(r.ids).toEqual(want);
        expect(r.decoded).toEqual(TEXTS);
        expect(r.blobIds).toEqual(wantBlob);
        expect(r.vocab).toBe(300);
        expect(r.merges).toBe(300 - 256 - 1);
      }
      // Training Workers in the page: module Web Workers running dist/web-train-worker.js.
      expect(got.page.workers).toBe(2);
      expect(got.page.sameMerges).toBe(true);
    } finally {
      await browser.close();
    }
  },
  30_000,
);
