// Text pieces for the safe-cut property tests (src/cuts.rs), shared by encode-cuts.test.ts (parallel
// encoding) and train-parallel.test.ts (parallel training) so both rules face the same hard cases. Not a
// test file itself; each test joins the pieces it needs in its own order.

/** Letters, digits, punctuation and whitespace runs, including GPT-2's contractions. */
export const PIECES = [
  "a",
  "bc",
  "Z",
  "é",
  "日",
  "1",
  "٣",
  " ",
  "  ",
  "\t",
  "\r\n",
  "\n",
  "'",
  "'s",
  "'ll",
  ".",
  ",!",
  "-",
];
/** Non-Latin scripts, where only the whitespace rule finds cuts; non-ASCII spaces must never allow one. */
export const SCRIPTS = [
  "日本語の",
  "テキスト",
  "。",
  "Привет",
  "мир",
  "\u3000",
  "\u00a0",
  "\u2028",
  "👨‍👩‍👧",
  "🎉🎉",
  "x\u0301",
];
export const SPECIALS = ["<|eot|>", "<|eot|><|eot|>"];
