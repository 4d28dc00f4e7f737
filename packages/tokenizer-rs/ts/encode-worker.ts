// Worker for parallel file encoding (ts/encode-file.ts): owns its own WASM instance and tokenizer, reads the
// byte ranges it is sent straight from the file, streams them through the encoder in blocks, and sends
// the ids back (transferred, not copied). Posts "ready" first: messages sent before a Worker installs its
// handler can be lost.
import { type EncodeJob, encodeRange, type FromMain, type ToMain } from "./encode-file.ts";
import { Tokenizer } from "./tokenizer.ts";
import { directoryFiles } from "./tokenizer-files.ts";
import { explainTrap, TokenizerError } from "./wasm.ts";
import { onParentMessage, toParent } from "./worker-port.ts";

let job: EncodeJob | undefined;
let tokenizer: Tokenizer | undefined;

const reply = (msg: ToMain, transfer: ArrayBuffer[] = []) => toParent(msg, transfer);

onParentMessage<FromMain>((msg) => {
  try {
    if (msg.type === "init") {
      job = msg.job;
      tokenizer = Tokenizer.fromFiles(job.files ?? directoryFiles(job.tokenizerDir ?? "", job.specialTokens));
      reply({ type: "inited" });
    } else if (job && tokenizer) {
      const ids = encodeRange(tokenizer, job, msg.range, (bytes) => reply({ type: "progress", bytes }));
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
