// The gradient table: one rule per op type of the IR. Typed as Record<OpType, GradRule>, so an op added to
// graph/op-types.ts without a rule here fails to compile. Rules live in rules-elementwise.ts and
// rules-tensor.ts; their contract is in rule-types.ts.

import type { OpType } from "../graph/op-types.ts";
import type { GradRule } from "./rule-types.ts";
import { ELEMENTWISE_RULES } from "./rules-elementwise.ts";
import { TENSOR_RULES } from "./rules-tensor.ts";

export const GRAD_RULES: Record<OpType, GradRule> = { ...ELEMENTWISE_RULES, ...TENSOR_RULES };
