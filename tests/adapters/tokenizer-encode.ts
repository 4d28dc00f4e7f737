// Adapters for the tokenizer-encode area (see tests/adapters.ts); filled in by that area's work.
