// Worker for parallel pre-tokenization (ts/train.ts): owns one WASM instance and one counter, counts the
// text chunks it is sent, and on "finish" sends its serialized counts back. Posts "ready" once the WASM
// instance is up, since messages sent before a Worker installs its handler can be lost.
import type { TrainExports, WorkerReply, WorkerRequest } from "./train-protocol.ts";
import { encodeStringList, explainTrap, TokenizerError, WasmInstance } from "./wasm.ts";
import { onParentMessage, toParent } from "./worker-port.ts";

const wasm = await WasmInstance.create();
const ex = wasm.exportsAs<TrainExports>();
let counter = 0;

function reply(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  toParent(msg, transfer);
}

onParentMessage<WorkerRequest>((msg) => {
  const seq = msg.type === "chunk" ? msg.seq : undefined;
  try {
    if (msg.type === "init") {
      if (counter) ex.counter_free(counter);
      counter = wasm.withBytes(encodeStringList(msg.specials), (p, l) => ex.counter_new(p, l));
      if (counter === 0) throw wasm.error();
      reply({ type: "inited" });
    } else if (msg.type === "chunk") {
      const n = wasm.withBytes(msg.bytes, (p, l) => ex.counter_add_text(counter, p, l, msg.base));
      if (n < 0) throw wasm.error();
      // The buffer goes back for reuse (ts/train.ts BufferPool) instead of waiting for this thread's GC.
      const buffer = msg.bytes.buffer as ArrayBuffer;
      reply({ type: "counted", bytes: msg.bytes.length, buffer, seq: msg.seq }, [buffer]);
    } else {
      wasm.check(ex.counter_serialize(counter));
      const counts = wasm.takeResult();
      ex.counter_free(counter);
      counter = 0;
      reply({ type: "counts", counts }, [counts.buffer as ArrayBuffer]);
    }
  } catch (caught) {
    const e = explainTrap(caught, "counting pre-tokens", "train on a smaller sample or split the text");
    const code = e instanceof TokenizerError ? e.code : "internal";
    reply({ type: "error", message: (e as Error).message, code, ...(seq !== undefined ? { seq } : {}) });
  }
});

reply({ type: "ready" });
