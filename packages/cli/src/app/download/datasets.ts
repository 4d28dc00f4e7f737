// `download tinystories|owt`: CS336's datasets from their public URLs (assignment 1 handout, "Setup"), each
// file fetched with resume (http.ts) and the OWT sample gunzipped after download (streamed into an atomic
// file). Files already in place are skipped, so a rerun only finishes what is missing.
// Leaves out: checksums (the mirrors publish none) and the full OpenWebText corpus.
import { createReadStream, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { AtomicWriteError, openAtomicFile } from "@cs336-ts/trainer";
import { DownloadError, type FetchOptions, fetchResumable } from "./http.ts";

export type DatasetName = "tinystories" | "owt";
export type Split = "train" | "valid";

type RemoteFile = { remote: string; local: string; gzip: boolean };
type Dataset = { baseUrl: string; files: Record<Split, RemoteFile> };

export const DATASETS: Readonly<Record<DatasetName, Dataset>> = {
  tinystories: {
    baseUrl: "https://huggingface.co/datasets/roneneldan/TinyStories/resolve/main",
    files: {
      train: { remote: "TinyStoriesV2-GPT4-train.txt", local: "TinyStoriesV2-GPT4-train.txt", gzip: false },
      valid: { remote: "TinyStoriesV2-GPT4-valid.txt", local: "TinyStoriesV2-GPT4-valid.txt", gzip: false },
    },
  },
  owt: {
    baseUrl: "https://huggingface.co/datasets/stanford-cs336/owt-sample/resolve/main",
    files: {
      train: { remote: "owt_train.txt.gz", local: "owt_train.txt", gzip: true },
      valid: { remote: "owt_valid.txt.gz", local: "owt_valid.txt", gzip: true },
    },
  },
};

export type DownloadOptions = Omit<FetchOptions, "log"> & {
  out: string;
  split?: Split | "all";
  /** Replaces the dataset's base URL (a mirror, or a local server in tests); file names are appended. */
  baseUrl?: string;
  /** Phase lines: which file, skipped, resumed, gunzipping. */
  log?: (line: string) => void;
};

export type DownloadedFile = { split: Split; path: string; bytes: number; skipped: boolean };

export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}

/** Downloads the requested splits of a dataset into `opts.out`; returns the text files' paths. */
export async function downloadDataset(name: DatasetName, opts: DownloadOptions): Promise<DownloadedFile[]> {
  const dataset = DATASETS[name];
  const split = opts.split ?? "all";
  if (split !== "all" && split !== "train" && split !== "valid") {
    throw new DownloadError(`split must be train, valid or all, got "${split}"`);
  }
  const splits: Split[] = split === "all" ? ["train", "valid"] : [split];
  mkdirSync(opts.out, { recursive: true });
  const base = (opts.baseUrl ?? dataset.baseUrl).replace(/\/+$/, "");
  const results: DownloadedFile[] = [];
  for (const s of splits) {
    const file = dataset.files[s];
    const path = join(opts.out, file.local);
    if (existsSync(path)) {
      opts.log?.(`${file.local}: already present (${statSync(path).size} bytes), skipping`);
      results.push({ split: s, path, bytes: statSync(path).size, skipped: true });
      continue;
    }
    const url = `${base}/${file.remote}`;
    opts.log?.(`${file.local}: fetching ${url}`);
    const fetched = join(opts.out, file.remote);
    if (!file.gzip || !existsSync(fetched)) await fetchResumable(url, fetched, opts);
    if (file.gzip) {
      opts.log?.(`${file.local}: gunzipping ${file.remote}`);
      await gunzipFile(fetched, path);
      rmSync(fetched);
    }
    results.push({ split: s, path, bytes: statSync(path).size, skipped: false });
  }
  return results;
}

/** Streams `src` (gzip) into `dest` via a temporary file, so a failure leaves no half-written text. */
async function gunzipFile(src: string, dest: string): Promise<void> {
  const file = openAtomicFile(dest);
  try {
    await pipeline(createReadStream(src), createGunzip(), async (chunks: AsyncIterable<Uint8Array>) => {
      for await (const chunk of chunks) file.write(chunk);
    });
    file.commit();
  } catch (e) {
    file.abort();
    // A full disk is not the archive's fault: keep it for the next run.
    if (e instanceof AtomicWriteError) throw e;
    // A corrupt archive is not worth resuming: remove it so the next run fetches it again.
    rmSync(src, { force: true });
    throw new DownloadError(`${src} is not a valid gzip file (${(e as Error).message}); run again to re-download it`);
  }
}
