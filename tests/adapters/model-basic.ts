// Adapters for the model-basic area (see tests/adapters.ts); filled in by that area's work.
