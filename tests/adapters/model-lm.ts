// Adapters for the model-lm area (see tests/adapters.ts); filled in by that area's work.
