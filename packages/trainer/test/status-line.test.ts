// The shared status line: redrawn in place on a terminal and a line each in logs, throttled per stream kind
// unless forced, and ended (done), erased (clear) or interrupted by a note the same way for every command.
import { describe, expect, test } from "bun:test";
import { createStatusLine } from "../src/io/status-line.ts";

function capture(isTTY: boolean, opts: { ttyEveryMs?: number; logEveryMs?: number } = {}) {
  let out = "";
  let t = 0;
  const line = createStatusLine({ write: (s) => (out += s), isTTY }, { ...opts, now: () => t });
  return { line, out: () => out, at: (ms: number) => (t = ms) };
}

describe("status line", () => {
  test("terminal: redrawn in place, throttled unless forced; done ends it, clear erases it", () => {
    const s = capture(true, { ttyEveryMs: 100, logEveryMs: 5000 });
    s.line.show("a");
    s.at(50);
    s.line.show("b"); // within 100 ms: skipped
    s.line.show("c", true);
    s.at(200);
    s.line.show("d");
    s.line.done();
    s.line.done(); // nothing live: no second newline
    s.line.show("e", true);
    s.line.clear();
    expect(s.out()).toBe("\r\x1b[2Ka\r\x1b[2Kc\r\x1b[2Kd\n\r\x1b[2Ke\r\x1b[2K");
  });

  test("log: one line per shown state on its own throttle; done and clear write nothing", () => {
    const s = capture(false, { ttyEveryMs: 100, logEveryMs: 5000 });
    s.line.show("a");
    s.at(1000);
    s.line.show("b");
    s.line.show("c", true);
    s.line.done();
    s.line.clear();
    s.line.note("msg");
    expect(s.out()).toBe("a\nc\nmsg\n");
    expect(s.line.isTTY).toBe(false);
  });

  test("a note clears a live line first and leaves nothing live", () => {
    const s = capture(true);
    s.line.show("working");
    s.line.note("warning: x");
    s.line.done();
    expect(s.out()).toBe("\r\x1b[2Kworking\r\x1b[2Kwarning: x\n");
  });
});
