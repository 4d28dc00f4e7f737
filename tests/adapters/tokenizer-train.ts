// Adapters for the tokenizer-train area (see tests/adapters.ts); filled in by that area's work.
