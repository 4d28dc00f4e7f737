// `bun run cli encode --tokenizer DIR --input FILE --out FILE.npy [--workers N]`: a text file to a token
// array (uint16 when the vocab fits, else uint32), encoded in parallel over byte ranges cut at special
// tokens (@cs336-ts/tokenizer's encodeFile) and written by the trainer's streaming, atomic .npy writer
// (a full disk fails naming the file; the previous file stays as it was). Temporary files a killed run
// left beside --out are removed first. Special-token refusals speak in this command's flags.
// Progress on stderr; the summary (tokens, bytes per token, throughput) on stdout.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { encodeFile, Tokenizer, TokenizerError } from "@cs336-ts/tokenizer";
import {
  AtomicWriteError,
  createNpyWriter,
  createStatusLine,
  dtypeForVocab,
  type NpyDtype,
  type NpyWriter,
  removeStaleTempFiles,
} from "@cs336-ts/trainer";
import type { Command } from "../command.ts";
import { parseFlags, UsageError } from "../flags.ts";

const flags = {
  tokenizer: {
    type: "string",
    help: "folder from train-bpe (tokenizer.json, or vocab.json + merges.txt)",
    required: true,
  },
  input: { type: "string", help: "UTF-8 text file to encode", required: true },
  out: { type: "string", help: "token array to write (.npy)", required: true },
  workers: {
    type: "number",
    integer: true,
    help: "encoding Workers (0: this thread)",
    default: Math.min(4, availableParallelism()),
  },
  "special-token": {
    type: "strings",
    help: "special token (repeatable); must be one of the tokenizer's when it has a tokenizer.json",
  },
  "allowed-special": { type: "strings", help: 'split off only these special tokens (repeatable, or "all")' },
  "disallowed-special": { type: "strings", help: 'fail if these special tokens appear (repeatable, or "all")' },
} as const;

const MB = 1e6;
const EOT = "<|endoftext|>";

/** Whether the file contains `needle`, scanned in 4 MiB blocks (a match across blocks included). */
function fileContains(path: string, needle: string): boolean {
  const pat = Buffer.from(needle);
  const buf = Buffer.alloc((4 << 20) + pat.length);
  const fd = openSync(path, "r");
  try {
    let keep = 0;
    for (;;) {
      const n = readSync(fd, buf, keep, buf.length - keep, null);
      if (n === 0) return false;
      const end = keep + n;
      if (buf.subarray(0, end).includes(pat)) return true;
      keep = Math.min(pat.length - 1, end);
      buf.copy(buf, 0, end - keep, end);
    }
  } finally {
    closeSync(fd);
  }
}

function listOrAll(v: string[] | undefined, flag: string): string[] | "all" | undefined {
  if (v === undefined) return undefined;
  if (v.includes("all")) {
    if (v.length > 1) throw new UsageError(`--${flag} all cannot be combined with named tokens`);
    return "all";
  }
  return v;
}

type SpecialFlags = { allowedSpecial: string[] | "all" | undefined; disallowedSpecial: string[] | "all" | undefined };

/** The special-token flags checked against the tokenizer's own, with messages in flag names. */
function checkSpecialFlags(o: SpecialFlags, specials: readonly string[], dir: string): void {
  if (o.allowedSpecial === "all" && o.disallowedSpecial === "all") {
    throw new UsageError("--allowed-special all and --disallowed-special all contradict each other; pass one of them");
  }
  const own = specials.length ? specials.map((t) => JSON.stringify(t)).join(", ") : "none";
  for (const [flag, list] of [
    ["allowed-special", o.allowedSpecial],
    ["disallowed-special", o.disallowedSpecial],
  ] as const) {
    if (list === "all" || list === undefined) continue;
    for (const t of list) {
      if (!specials.includes(t)) {
        throw new Error(
          `--${flag}: ${JSON.stringify(t)} is not a special token of ${dir} (its special tokens: ${own})`,
        );
      }
      if (flag === "allowed-special" && Array.isArray(o.disallowedSpecial) && o.disallowedSpecial.includes(t)) {
        throw new UsageError(
          `special token ${JSON.stringify(t)} is given to both --allowed-special and --disallowed-special; give it to one`,
        );
      }
    }
  }
}

/** The library's words for a failure, in this command's: a disallowed special token, a full disk. */
function explain(e: unknown, input: string, out: string, existed: boolean): unknown {
  if (e instanceof TokenizerError && e.code === "disallowed_special") {
    const quoted = /special token (".*?"), which/.exec(e.message)?.[1];
    let token = quoted ?? "";
    try {
      token = JSON.parse(token) as string;
    } catch {}
    return new Error(
      `${input} contains the special token ${quoted}, which --disallowed-special disallows; pass ` +
        `--allowed-special '${token}' to encode it as a special token, or leave it out of --disallowed-special ` +
        "to encode it as plain text",
    );
  }
  if (e instanceof AtomicWriteError && (e.code === "ENOSPC" || e.code === "EDQUOT")) {
    return new Error(
      `cannot write ${out}: the disk is full (no space left on device); free some space or choose another ` +
        `--out (${existed ? `the previous ${basename(out)} is unchanged` : "nothing was written"})`,
    );
  }
  return e;
}

type Paths = { input: string; out: string; dir: string };

/** Input, output and tokenizer paths checked before any work: each failure says what to pass instead. */
function checkPaths(f: { input?: unknown; out?: unknown; tokenizer?: unknown }): Paths {
  const input = resolve(f.input as string);
  const out = resolve(f.out as string);
  const dir = f.tokenizer as string;
  if (!existsSync(input)) throw new Error(`cannot read input ${input}: file not found`);
  const st = statSync(input);
  if (st.isDirectory()) throw new Error(`cannot read input ${input}: is a directory, give a file`);
  if (!st.isFile()) {
    throw new Error(
      `cannot read input ${input}: not a regular file (a pipe, device or socket); encode reads its input by ` +
        "byte ranges, so save the text to a file and give that path",
    );
  }
  if (out === input) throw new Error("--out must differ from --input");
  if (!out.endsWith(".npy")) throw new UsageError(`--out must name a .npy file, got ${f.out}`);
  if (!existsSync(dirname(out))) throw new Error(`folder ${dirname(out)} for --out does not exist; create it first`);
  // Found only at the final rename otherwise, after the whole input was encoded.
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new Error(`--out ${f.out} is a folder; give the path of the .npy file to write`);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--tokenizer ${dir} is not a folder`);
  return { input, out, dir };
}

/**
 * Loads the tokenizer once up front, so bad files and bad special-token options fail before anything is
 * written; warns when the text holds <|endoftext|> that this tokenizer would encode as ~7 plain tokens
 * (almost never what a user with document separators wants, and silent otherwise).
 */
function checkTokenizer(p: Paths, specialTokens: string[] | undefined, options: SpecialFlags): NpyDtype {
  const tok = Tokenizer.fromDirectory(p.dir, specialTokens);
  checkSpecialFlags(options, tok.specialTokens, p.dir);
  tok.encode("", options);
  const dtype = dtypeForVocab(tok.vocabSize);
  const noSpecials = tok.specialTokens.length === 0;
  tok.dispose();
  if (noSpecials && fileContains(p.input, EOT)) {
    // A tokenizer.json fixes its special tokens (--special-token must name one of them): retrain instead.
    const fix = existsSync(join(p.dir, "tokenizer.json"))
      ? `retrain it with \`train-bpe --special-token '${EOT}'\``
      : `pass --special-token '${EOT}'`;
    process.stderr.write(
      `warning: ${p.input} contains ${EOT} but the tokenizer has no special tokens, so it is encoded as ` +
        `plain text; to keep it one token, ${fix}\n`,
    );
  }
  return dtype;
}

type Encoded = Awaited<ReturnType<typeof encodeFile>>;

/** Encodes into the atomic .npy writer with a progress line; Ctrl-C or a kill leaves no temp file behind. */
async function encodeToNpy(
  p: Paths,
  dtype: NpyDtype,
  run: { specialTokens: string[] | undefined; options: SpecialFlags; workers: number },
): Promise<Encoded> {
  for (const t of removeStaleTempFiles(dirname(p.out), [basename(p.out)])) {
    process.stderr.write(`removed ${t.path} (${(t.bytes / MB).toFixed(1)} MB), left by an encode that was killed\n`);
  }
  const existed = existsSync(p.out);
  const status = createStatusLine(
    { write: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true },
    { ttyEveryMs: 200, logEveryMs: 5000 },
  );
  const show = (done: number, total: number, force = false) => {
    const pct = total ? ((100 * done) / total).toFixed(1) : "100.0";
    status.show(`encode ${pct}%  ${(done / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB`, force);
  };

  // On a signal: drop the partial file, exit 128 + signal. The handlers go in before the temp file exists:
  // until a listener is installed, a signal kills the process outright and the file would stay.
  let writer: NpyWriter | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    writer?.abort();
    process.stderr.write(`\ninterrupted (${sig}); ${p.out} was not written\n`);
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const w = createNpyWriter(p.out, dtype);
    writer = w;
    const result = await encodeFile({
      input: p.input,
      tokenizerDir: p.dir,
      ...(run.specialTokens ? { specialTokens: run.specialTokens } : {}),
      options: run.options,
      workers: run.workers,
      onIds: (ids) => w.write(ids),
      onProgress: (d, t) => show(d, t),
    });
    w.close();
    show(result.bytes, result.bytes, true);
    status.done();
    return result;
  } catch (e) {
    writer?.abort();
    status.done();
    throw explain(e, p.input, p.out, existed);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const command: Command = {
  usage:
    "encode --tokenizer DIR --input FILE --out FILE.npy [--workers N] [--special-token TOK…] " +
    "[--allowed-special TOK…|all] [--disallowed-special TOK…|all]",
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    if (f._.length > 0) throw new UsageError(`unexpected arguments: ${f._.join(" ")}`);
    const workers = f.workers as number;
    if (workers < 0) throw new UsageError("--workers must be >= 0");
    const paths = checkPaths(f);
    const specialTokens = f["special-token"];
    const options = {
      allowedSpecial: listOrAll(f["allowed-special"], "allowed-special"),
      disallowedSpecial: listOrAll(f["disallowed-special"], "disallowed-special"),
    };
    const dtype = checkTokenizer(paths, specialTokens, options);
    const result = await encodeToNpy(paths, dtype, { specialTokens, options, workers });

    const s = result.seconds;
    process.stdout.write(
      `wrote ${result.tokens} tokens (${dtype}) to ${paths.out}\n` +
        `${(result.bytes / MB).toFixed(2)} MB in ${s.toFixed(2)} s: ${(result.bytes / MB / s).toFixed(1)} MB/s, ` +
        `${result.tokens ? (result.bytes / result.tokens).toFixed(3) : "n/a"} bytes per token, ` +
        `${workers} worker${workers === 1 ? "" : "s"}\n`,
    );
    return 0;
  },
};

export default command;
