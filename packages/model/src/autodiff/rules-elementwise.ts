// Gradient rules of elementwise ops. Results are in the output's (broadcast) shape; the walker un-broadcasts.
// Max/Min send a tie's gradient to the first operand (torch splits it); Abs gives gradient 1 at 0 (torch 0).
// Comparisons and logic have no gradient.

import { cast, div, less, greater, log, mul, neg, pow, sub, where } from "../graph/ops-elementwise.ts";
import { isFloat } from "../graph/value.ts";
import { dy0, type GradContext, type GradRule, input, output } from "./rule-types.ts";

const none = (c: GradContext) => c.node.inputs.map(() => null);

export const ELEMENTWISE_RULES = {
  Add: (c) => [dy0(c), dy0(c)],
  Sub: (c) => [dy0(c), c.wants(1) ? neg(dy0(c)) : null],
  Mul: (c) => [c.wants(0) ? mul(dy0(c), input(c, 1)) : null, c.wants(1) ? mul(dy0(c), input(c, 0)) : null],
  // d(a/b)/db = -a/b² = -y/b
  Div: (c) => [
    c.wants(0) ? div(dy0(c), input(c, 1)) : null,
    c.wants(1) ? neg(div(mul(dy0(c), output(c)), input(c, 1))) : null,
  ],
  Pow: (c) => {
    const [a, b, y, dy] = [input(c, 0), input(c, 1), output(c), dy0(c)];
    return [c.wants(0) ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null, c.wants(1) ? mul(dy, mul(y, log(a))) : null];
  },
  Sqrt: (c) => [div(mul(dy0(c), 0.5), output(c))],
  Exp: (c) => [mul(dy0(c), output(c))],
  Log: (c) => [div(dy0(c), input(c, 0))],
  Sigmoid: (c) => {
    const y = output(c);
    return [mul(dy0(c), mul(y, sub(1, y)))];
  },
  Tanh: (c) => {
    const y = output(c);
    return [mul(dy0(c), sub(1, mul(y, y)))];
  },
  Neg: (c) => [neg(dy0(c))],
  Abs: (c) => [where(less(input(c, 0), 0), neg(dy0(c)), dy0(c))],
  Reciprocal: (c) => {
    const y = output(c);
    return [neg(mul(dy0(c), mul(y, y)))];
  },
  Max: (c) => {
    const bWins = less(input(c, 0), input(c, 1));
    return [where(bWins, 0, dy0(c)), where(bWins, dy0(c), 0)];
  },
  Min: (c) => {
    const bWins = greater(input(c, 0), input(c, 1));
    return [where(bWins, 0, dy0(c)), where(bWins, dy0(c), 0)];
  },
  Where: (c) => {
    const cond = input(c, 0);
    return [null, c.wants(1) ? where(cond, dy0(c), 0) : null, c.wants(2) ? where(cond, 0, dy0(c)) : null];
  },
  Cast: (c) => {
    const x = input(c, 0);
    return [isFloat(x.dtype) ? cast(dy0(c), x.dtype) : null];
  },
  Identity: (c) => [dy0(c)],
  Equal: none,
  Less: none,
  Greater: none,
  Not: none,
  And: none,
} satisfies Record<string, GradRule>;
