// download: against a local Bun.serve on 127.0.0.1 (random port), never the real URLs. Covers a plain fetch,
// an interrupted transfer resumed by a rerun and by an automatic retry, a server that ignores Range, a wrong
// Content-Range, HTTP errors, an unreachable host, a full disk (a 3 MB tmpfs, root only), the OWT gunzip step
// and the CLI's bad-input paths.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fillDisk, tmpfsTests } from "@cs336-ts/testkit";
import { fetchResumable, parseContentRange, type Progress } from "../src/app/download/http.ts";
import { DATASETS, downloadDataset } from "../src/app/download/datasets.ts";

type ServerOpts = {
  files: Record<string, Uint8Array>;
  /** Honour Range requests (206); otherwise always answer 200 with the whole file. */
  ranges: boolean;
  /** Cut the connection after this many bytes on the next N responses. */
  cutAfter?: number;
  cuts?: number;
  /** Answer ranged requests with this (wrong) Content-Range start. */
  lieStart?: number;
  /** With cutAfter: stall (send nothing more, keep the connection open) instead of dropping it. */
  stall?: boolean;
};

function serve(opts: ServerOpts) {
  const seen: { path: string; range: string | null }[] = [];
  let cuts = opts.cuts ?? 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    development: false,
    error: () => new Response("server error", { status: 500 }),
    fetch(req) {
      const path = new URL(req.url).pathname.slice(1);
      const range = req.headers.get("range");
      seen.push({ path, range });
      const file = opts.files[path];
      if (!file) return new Response("not found", { status: 404, statusText: "Not Found" });
      let start = 0;
      const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
      if (opts.ranges && m) {
        start = Number(m[1]);
        if (start >= file.length) {
          return new Response(null, { status: 416, headers: { "content-range": `bytes */${file.length}` } });
        }
      }
      const body = file.subarray(start);
      if (cuts > 0 && opts.cutAfter !== undefined) {
        cuts--;
        const head = body.subarray(0, opts.cutAfter);
        // A stream that errors mid-body makes the server drop the connection, like a flaky network.
        let sent = false;
        const stream = new ReadableStream({
          async pull(c) {
            if (sent && opts.stall) return new Promise<void>(() => {}); // never delivers again
            sent = true;
            c.enqueue(head);
            await Bun.sleep(5);
            if (!opts.stall) c.error(new Error("simulated network failure"));
          },
        });
        return new Response(stream, { status: start > 0 ? 206 : 200 });
      }
      if (start > 0) {
        const from = opts.lieStart ?? start;
        return new Response(body, {
          status: 206,
          headers: { "content-range": `bytes ${from}-${file.length - 1}/${file.length}` },
        });
      }
      return new Response(body);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

const onTmpfs = tmpfsTests(3);
const payload = (n: number, salt = 0) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt) % 253);
const dirs: string[] = [];
let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cs336-download-"));
  dirs.push(dir);
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("fetchResumable", () => {
  test("downloads the whole file, reports progress and leaves no .part", async () => {
    const data = payload(300_000);
    const srv = serve({ files: { "a.txt": data }, ranges: true });
    const reports: Progress[] = [];
    const dest = join(dir, "a.txt");
    const n = await fetchResumable(`${srv.url}/a.txt`, dest, {
      onProgress: (p) => reports.push(p),
      progressEveryMs: 0,
    });
    srv.stop();
    expect(n).toBe(data.length);
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(reports.at(-1)).toMatchObject({ bytes: data.length, total: data.length, done: true });
    expect(srv.seen[0]?.range).toBeNull();
  });

  test("an interrupted download keeps its .part and a rerun resumes with Range", async () => {
    const data = payload(200_000, 7);
    const srv = serve({ files: { "b.txt": data }, ranges: true, cutAfter: 70_000, cuts: 1 });
    const dest = join(dir, "b.txt");
    const first = fetchResumable(`${srv.url}/b.txt`, dest, { retries: 0 });
    await expect(first).rejects.toThrow(/run the same command again to resume/);
    expect(existsSync(dest)).toBe(false);
    // The cut resets the connection: bytes still in flight when it lands are lost (on a loaded machine all
    // 70,000 may be), so the part file holds a prefix of what was sent and the rerun asks for the rest.
    const partial = readFileSync(`${dest}.part`);
    expect(partial.length).toBeLessThanOrEqual(70_000);
    expect(partial.equals(data.subarray(0, partial.length))).toBe(true);
    const lines: string[] = [];
    await fetchResumable(`${srv.url}/b.txt`, dest, { log: (l) => lines.push(l) });
    srv.stop();
    expect(srv.seen.map((s) => s.range)).toEqual([null, partial.length > 0 ? `bytes=${partial.length}-` : null]);
    expect(readFileSync(dest).equals(data)).toBe(true);
    if (partial.length > 0) expect(lines.join("\n")).toMatch(/resuming at/);
  });

  test("a dropped connection is resumed automatically within one call", async () => {
    const data = payload(150_000, 3);
    const srv = serve({ files: { "c.txt": data }, ranges: true, cutAfter: 40_000, cuts: 1 });
    const dest = join(dir, "c.txt");
    const lines: string[] = [];
    await fetchResumable(`${srv.url}/c.txt`, dest, { retries: 2, log: (l) => lines.push(l) });
    srv.stop();
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(srv.seen.map((s) => s.range)).toEqual([null, "bytes=40000-"]);
    expect(lines[0]).toMatch(/connection dropped .* resuming \(retry 1 of 2\)/);
  });

  test("a stalled connection is dropped after the idle timeout and resumed", async () => {
    const data = payload(90_000, 5);
    const srv = serve({ files: { "s.txt": data }, ranges: true, cutAfter: 30_000, cuts: 1, stall: true });
    const dest = join(dir, "s.txt");
    const lines: string[] = [];
    await fetchResumable(`${srv.url}/s.txt`, dest, { retries: 1, idleTimeoutMs: 300, log: (l) => lines.push(l) });
    srv.stop();
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(srv.seen.map((s) => s.range)).toEqual([null, "bytes=30000-"]);
    expect(lines[0]).toMatch(/no data for 0\.3 s/);
  });

  test("a server without Range support restarts the file cleanly", async () => {
    const data = payload(120_000, 11);
    const srv = serve({ files: { "d.txt": data }, ranges: false });
    const dest = join(dir, "d.txt");
    writeFileSync(`${dest}.part`, new Uint8Array(5000).fill(0xee)); // stale bytes that must not survive
    const lines: string[] = [];
    await fetchResumable(`${srv.url}/d.txt`, dest, { log: (l) => lines.push(l) });
    srv.stop();
    expect(srv.seen[0]?.range).toBe("bytes=5000-");
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(lines.join("\n")).toMatch(/does not support resuming/);
  });

  test("a complete .part answered with 416 is finished without refetching", async () => {
    const data = payload(10_000);
    const srv = serve({ files: { "e.txt": data }, ranges: true });
    const dest = join(dir, "e.txt");
    writeFileSync(`${dest}.part`, data);
    await fetchResumable(`${srv.url}/e.txt`, dest);
    srv.stop();
    expect(readFileSync(dest).equals(data)).toBe(true);
  });

  test("a Content-Range that does not start where we asked is refused", async () => {
    const data = payload(10_000);
    const srv = serve({ files: { "f.txt": data }, ranges: true, lieStart: 0 });
    const dest = join(dir, "f.txt");
    writeFileSync(`${dest}.part`, data.subarray(0, 1000));
    await expect(fetchResumable(`${srv.url}/f.txt`, dest)).rejects.toThrow(/Content-Range "bytes 0-9999\/10000"/);
    srv.stop();
    expect(existsSync(dest)).toBe(false);
  });

  test("HTTP errors and unreachable hosts give clear messages", async () => {
    const srv = serve({ files: {}, ranges: true });
    await expect(fetchResumable(`${srv.url}/missing.txt`, join(dir, "m"))).rejects.toThrow(/HTTP 404/);
    srv.stop();
    // The stopped server's port now refuses connections, as an offline machine would.
    await expect(fetchResumable(`${srv.url}/x.txt`, join(dir, "x"))).rejects.toThrow(
      /cannot reach 127\.0\.0\.1:\d+ .*offline.*--corpus FILE/,
    );
  });

  onTmpfs("a full disk keeps the .part, and a rerun with room resumes it with Range", async (tmp) => {
    const data = payload(1_500_000, 3);
    const srv = serve({ files: { "g.txt": data }, ranges: true });
    const dest = join(tmp, "g.txt");
    const filler = fillDisk(tmp, 512 << 10);
    await expect(fetchResumable(`${srv.url}/g.txt`, dest, { retries: 0 })).rejects.toThrow(
      /cannot write .*g\.txt\.part: the disk is full at .*; the partial file is kept: make room and run the same command again to resume/,
    );
    const kept = readFileSync(`${dest}.part`);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.equals(data.subarray(0, kept.length))).toBe(true);
    rmSync(filler);
    await fetchResumable(`${srv.url}/g.txt`, dest);
    srv.stop();
    expect(readFileSync(dest).equals(data)).toBe(true);
    expect(srv.seen.at(-1)?.range).toBe(`bytes=${kept.length}-`);
  });

  test("parseContentRange", () => {
    expect(parseContentRange("bytes 10-19/20")).toEqual({ start: 10, end: 19, total: 20 });
    expect(parseContentRange("bytes 10-19/*")).toEqual({ start: 10, end: 19, total: null });
    expect(parseContentRange("bytes */20")).toEqual({ start: -1, end: -1, total: 20 });
    expect(parseContentRange("items 1-2/3")).toBeNull();
  });
});

describe("downloadDataset", () => {
  test("tinystories valid split: fetched by name, then skipped when present", async () => {
    const name = DATASETS.tinystories.files.valid.remote;
    const text = new TextEncoder().encode("Once upon a time there was a tiny story.<|endoftext|>\n".repeat(200));
    const srv = serve({ files: { [name]: text }, ranges: true });
    const got = await downloadDataset("tinystories", { out: dir, split: "valid", baseUrl: `${srv.url}/` });
    expect(got).toEqual([{ split: "valid", path: join(dir, name), bytes: text.length, skipped: false }]);
    expect(readFileSync(join(dir, name)).equals(text)).toBe(true);
    const again = await downloadDataset("tinystories", { out: dir, split: "valid", baseUrl: srv.url });
    srv.stop();
    expect(again[0]?.skipped).toBe(true);
    expect(srv.seen.length).toBe(1);
  });

  test("owt: both splits gunzipped, archives removed", async () => {
    const train = new TextEncoder().encode("web text train ".repeat(5000));
    const valid = new TextEncoder().encode("web text valid ".repeat(3000));
    const srv = serve({
      files: { "owt_train.txt.gz": gzipSync(train), "owt_valid.txt.gz": gzipSync(valid) },
      ranges: true,
    });
    const got = await downloadDataset("owt", { out: dir, baseUrl: srv.url });
    srv.stop();
    expect(got.map((g) => g.split)).toEqual(["train", "valid"]);
    expect(readFileSync(join(dir, "owt_train.txt")).equals(train)).toBe(true);
    expect(readFileSync(join(dir, "owt_valid.txt")).equals(valid)).toBe(true);
    expect(existsSync(join(dir, "owt_train.txt.gz"))).toBe(false);
  });

  test("a corrupt archive is removed with a clear error", async () => {
    const srv = serve({ files: { "owt_valid.txt.gz": payload(1000) }, ranges: true });
    await expect(downloadDataset("owt", { out: dir, split: "valid", baseUrl: srv.url })).rejects.toThrow(
      /not a valid gzip file.*run again/,
    );
    srv.stop();
    expect(existsSync(join(dir, "owt_valid.txt"))).toBe(false);
    expect(existsSync(join(dir, "owt_valid.txt.gz"))).toBe(false);
  });
});

describe("cli download", () => {
  const cli = join(import.meta.dir, "../src/main.ts");
  const run = (args: string[]) => {
    const p = Bun.spawnSync(["bun", cli, "download", ...args], { stdout: "pipe", stderr: "pipe" });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("bad input exits 2 with a clear message", () => {
    expect(run([])).toMatchObject({ code: 2, err: expect.stringMatching(/name a dataset/) });
    expect(run(["wikipedia"])).toMatchObject({ code: 2, err: expect.stringMatching(/unknown dataset "wikipedia"/) });
    expect(run(["owt", "--split", "test"])).toMatchObject({ code: 2, err: expect.stringMatching(/--split must be/) });
    expect(run(["owt", "--bogus"])).toMatchObject({ code: 2, err: expect.stringMatching(/unknown flag --bogus/) });
  });

  test("a --base-url that is not an http(s) URL is a usage error, not 'this machine seems to be offline'", () => {
    for (const url of ["mirror.example.org/ts", "ftp://mirror.example.org/ts", "file:///tmp"]) {
      const r = run(["tinystories", "--split", "valid", "--out", join(dir, "never"), "--base-url", url]);
      expect(r.code).toBe(2);
      expect(r.err).toStartWith(`error: --base-url must be an http:// or https:// URL, got "${url}"\n`);
      expect(existsSync(join(dir, "never"))).toBe(false);
    }
  });

  test("an --out that is a file names the flag", () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    const r = run(["tinystories", "--split", "valid", "--out", file]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: --out ${file} is a file; give a folder (it is created if missing)\n`);
  });

  test("downloads through a local server and prints the paths", async () => {
    const name = DATASETS.tinystories.files.valid.remote;
    const text = new TextEncoder().encode("A small story.\n".repeat(100));
    const srv = serve({ files: { [name]: text }, ranges: true });
    const p = Bun.spawn(
      ["bun", cli, "download", "tinystories", "--split", "valid", "--out", dir, "--base-url", srv.url],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const [code, out] = await Promise.all([p.exited, new Response(p.stdout).text()]);
    srv.stop();
    expect(code).toBe(0);
    expect(out).toBe(`valid\t${join(dir, name)}\t${text.length} bytes\n`);
  });
});
