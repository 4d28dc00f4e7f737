// Adapters for the trainer area (see tests/adapters.ts); filled in by that area's work.
