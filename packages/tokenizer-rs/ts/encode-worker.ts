// Worker for parallel file encoding (ts/encode-file.ts): owns its own WASM instance and tokenizer, reads the
// byte ranges it is sent straight from the file (or slices of the Blob it was given), streams them through the encoder in blocks, and sends
// the ids back (transferred, not copied). Posts "ready" once the WASM module is compiled (a Web Worker cannot
// read it synchronously), since messages sent before a Worker installs its handler can be lost.
import {
  type EncodeJob,
  encodeBlobRange,
  encodeRange,
  type FromMain,
  loadTokenizer,
  type ToMain,
} from "./encode-ranges.ts";
import { init } from "./init.ts";
import type { Tokenizer } from "./tokenizer.ts";
import { explainTrap, TokenizerError } from "./wasm.ts";
import { onParentMessage, toParent } from "./worker-port.ts";

await init();

let job: EncodeJob | undefined;
let tokenizer: Tokenizer | undefined;

const reply = (msg: ToMain, transfer: ArrayBuffer[] = []) => toParent(msg, transfer);

onParentMessage<FromMain>(async (msg) => {
  try {
    if (msg.type === "init") {
      job = msg.job;
      tokenizer = loadTokenizer(job, "wasm");
      reply({ type: "inited" });
    } else if (job && tokenizer) {
      const onBytes = (bytes: number) => reply({ type: "progress", bytes });
      // One range at a time reaches a Worker (the next is sent after its ids), so awaiting here is safe.
      const ids =
        typeof job.input === "string"
          ? encodeRange(tokenizer, job, msg.range, onBytes)
          : await encodeBlobRange(tokenizer, job, msg.range, onBytes);
      reply({ type: "ids", index: msg.index, ids }, [ids.buffer as ArrayBuffer]);
    } else {
      throw new Error("encode worker got a range before init");
    }
  } catch (caught) {
    const e = explainTrap(caught, "encoding", "encode with fewer ids per range (a smaller rangeBytes)");
    const code = e instanceof TokenizerError ? e.code : undefined;
    const index = msg.type === "range" ? msg.index : undefined;
    reply({
      type: "error",
      message: (e as Error).message,
      ...(code ? { code } : {}),
      ...(index !== undefined ? { index } : {}),
    });
  }
});

reply({ type: "ready" });
