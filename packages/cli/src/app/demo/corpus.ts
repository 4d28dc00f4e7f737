// Where the demo's text comes from, in order: `--corpus FILE` (split into train and validation at a story
// boundary), the TinyStories heads under ../shared/data on the course machines, an earlier `download` in
// data/ or data/tinystories/, else the TinyStories validation split downloaded now (~22 MB; split like a given
// corpus). When all of these fail the error says exactly how to give a corpus. The corpora are never copied into the repo.
// Leaves out: any cleaning of the text (the demo trains on the bytes as they are).
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DATASETS, downloadDataset, type DownloadOptions } from "../download/datasets.ts";
import { DownloadError } from "../download/http.ts";

export type DemoCorpus = {
  /** Human-readable origin, printed by the demo. */
  source: string;
  train: string;
  valid: string;
  /** Set when the validation text was reformatted to match the training text (see matchParagraphs). */
  note?: string;
};

export type CorpusLimits = { trainBytes: number; validBytes: number };

export class CorpusError extends Error {
  override name = "CorpusError";
}

const EOT = "<|endoftext|>";
const SHARED_TRAIN = "tinystories_v1_train_head_2MiB.txt";
const SHARED_VALID = "tinystories_v1_valid_head_794k.txt";

/** Reads at most `max` bytes from `offset`, cut back to the last story boundary (or newline) inside them. */
export function readHead(path: string, max: number, offset = 0): string {
  const fd = openSync(path, "r");
  try {
    const size = statSync(path).size;
    const want = Math.max(0, Math.min(max, size - offset));
    const buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, buf, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    // fatal: false, then trimming to a boundary drops any character cut at the end.
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(buf.subarray(0, got));
    if (offset + got >= size) return text;
    return cutAtBoundary(text);
  } finally {
    closeSync(fd);
  }
}

function cutAtBoundary(text: string): string {
  const eot = text.lastIndexOf(EOT);
  if (eot > text.length / 2) return text.slice(0, eot + EOT.length);
  const nl = text.lastIndexOf("\n");
  return nl > 0 ? text.slice(0, nl + 1) : text;
}

/** Of the line breaks inside stories (not those around <|endoftext|>), the share that are blank lines. */
export function blankLineShare(text: string): number {
  let breaks = 0;
  let blanks = 0;
  for (const story of text.split(EOT)) {
    const body = story.trim();
    breaks += body.match(/\n(?:[ \t]*\n)*/g)?.length ?? 0;
    blanks += body.match(/\n(?:[ \t]*\n)+/g)?.length ?? 0;
  }
  return breaks === 0 ? 0 : blanks / breaks;
}

/**
 * The TinyStories V1 validation head separates paragraphs with blank lines where the train head uses single
 * newlines; left alone, validation loss would partly measure that formatting difference (about 0.1 nats on
 * the demo model). When the training stories (almost) never contain blank lines but the validation text
 * mostly does, blank lines in the validation text collapse to single newlines.
 */
export function matchParagraphs(c: DemoCorpus): DemoCorpus {
  if (blankLineShare(c.train) > 0.05 || blankLineShare(c.valid) < 0.5) return c;
  return {
    ...c,
    valid: c.valid.replace(/\n(?:[ \t]*\n)+/g, "\n"),
    note: "validation blank lines collapsed to single newlines, as in the training stories",
  };
}

/** Splits one corpus: validation is the last ~10% (at most `validBytes`), train the text before it. */
export function splitCorpus(text: string, limits: CorpusLimits): { train: string; valid: string } {
  const validLen = Math.min(limits.validBytes, Math.floor(text.length / 10));
  let cut = text.length - validLen;
  // Move the cut forward to the next story boundary (or line), so no story straddles the two sets.
  const eot = text.indexOf(EOT, cut);
  const nl = text.indexOf("\n", cut);
  if (eot >= 0 && eot < text.length - 1) cut = eot + EOT.length;
  else if (nl >= 0 && nl < text.length - 1) cut = nl + 1;
  const train = text.slice(0, cut);
  const valid = text.slice(cut);
  return { train: train.slice(0, limits.trainBytes), valid };
}

export type FindCorpusOptions = {
  corpus: string | null;
  repoRoot: string;
  limits: CorpusLimits;
  /** Allow downloading the TinyStories validation split when nothing local is found. */
  download: boolean;
  downloadOptions?: Partial<DownloadOptions>;
  log?: (line: string) => void;
};

const HOW_TO =
  "give the demo a text corpus: `bun run demo --corpus FILE` (any UTF-8 text; stories separated by " +
  "<|endoftext|> or blank lines), or fetch TinyStories first with `bun run cli download tinystories --split valid --out data`";

export async function findCorpus(o: FindCorpusOptions): Promise<DemoCorpus> {
  const { limits } = o;
  if (o.corpus !== null) {
    const path = resolve(o.corpus);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new CorpusError(`--corpus ${o.corpus}: no such file; ${HOW_TO}`);
    }
    const text = readHead(path, limits.trainBytes + limits.validBytes);
    if (text.length < 10_000) {
      throw new CorpusError(`--corpus ${o.corpus} holds only ${text.length} characters; the demo needs at least 10 kB`);
    }
    return { source: `${path} (split 90/10)`, ...splitCorpus(text, limits) };
  }
  const shared = resolve(o.repoRoot, "..", "shared", "data");
  if (existsSync(join(shared, SHARED_TRAIN)) && existsSync(join(shared, SHARED_VALID))) {
    return matchParagraphs({
      source: `${shared}/{${SHARED_TRAIN}, ${SHARED_VALID}}`,
      train: readHead(join(shared, SHARED_TRAIN), limits.trainBytes),
      valid: readHead(join(shared, SHARED_VALID), limits.validBytes),
    });
  }
  // An earlier download: `download`'s default folder, or the one the README's commands use.
  const data = join(o.repoRoot, "data");
  for (const dir of [data, join(data, "tinystories")]) {
    const [train, valid] = [DATASETS.tinystories.files.train.local, DATASETS.tinystories.files.valid.local];
    if (existsSync(join(dir, train)) && existsSync(join(dir, valid))) {
      return matchParagraphs({
        source: `${dir} (earlier download)`,
        train: readHead(join(dir, train), limits.trainBytes),
        valid: readHead(join(dir, valid), limits.validBytes),
      });
    }
  }
  const validFile = join(data, DATASETS.tinystories.files.valid.local);
  if (!existsSync(validFile)) {
    if (!o.download) throw new CorpusError(`no TinyStories text found locally; ${HOW_TO}`);
    o.log?.(`no TinyStories text found locally; downloading the validation split into ${data}/`);
    try {
      await downloadDataset("tinystories", { out: data, split: "valid", ...o.downloadOptions });
    } catch (e) {
      const why = e instanceof DownloadError ? e.message : String(e);
      throw new CorpusError(`could not download TinyStories (${why.split(";")[0]}); ${HOW_TO}`);
    }
  }
  const text = readHead(validFile, limits.trainBytes + limits.validBytes);
  return { source: `${validFile} (validation split, split 90/10)`, ...splitCorpus(text, limits) };
}
