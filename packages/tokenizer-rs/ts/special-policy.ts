// The per-call special-token policy. Default (CS336): every special token given at construction is split
// off as a special token. `allowedSpecial` narrows that set (the others are encoded as plain text);
// `disallowedSpecial` makes their appearance an error that names the token and the option to pass.
// Precedence: a token named in both options (or both "all") is an error naming the conflict; otherwise an
// explicit disallow ("all" = every token not explicitly allowed, as in tiktoken) beats the default allow.
// Leaves out tiktoken's default of disallowing everything not allowed: here nothing surprises by throwing.

import { TokenizerError } from "./errors.ts";

export type SpecialOptions = {
  /** Special tokens to split off as special tokens: "all" (default) or a subset of the construction ones. */
  allowedSpecial?: Iterable<string> | "all";
  /** Special tokens whose appearance in the text is an error: none (default), a set, or "all" (every one not named in allowedSpecial). */
  disallowedSpecial?: Iterable<string> | "all";
};

const ALLOWED = 1;
const DISALLOWED = 2;
const DEFAULT = new Uint8Array(0);

function names(
  specials: readonly string[],
  v: Iterable<string> | "all" | undefined,
  option: string,
): Set<string> | "all" | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") {
    if (v === "all") return "all";
    throw new TypeError(`${option} must be "all" or a list of special tokens, got the string ${JSON.stringify(v)}`);
  }
  const set = new Set(v);
  for (const t of set) {
    if (!specials.includes(t)) {
      throw new TokenizerError(
        `${option}: ${JSON.stringify(t)} is not a special token of this tokenizer ` +
          `(its special tokens: ${specials.length ? specials.map((s) => JSON.stringify(s)).join(", ") : "none"}); ` +
          "add it when constructing the tokenizer",
        "special_token",
      );
    }
  }
  return set;
}

/** One byte per construction special token (bit 0 allowed, bit 1 disallowed); empty means the default. */
export function resolvePolicy(specials: readonly string[], opts?: SpecialOptions): Uint8Array {
  if (!opts || (opts.allowedSpecial === undefined && opts.disallowedSpecial === undefined)) return DEFAULT;
  const allowed = names(specials, opts.allowedSpecial, "allowedSpecial");
  const disallowed = names(specials, opts.disallowedSpecial, "disallowedSpecial");
  if (allowed === "all" && disallowed === "all") {
    throw new TokenizerError(
      'allowedSpecial and disallowedSpecial are both "all": every special token would be both allowed and ' +
        "disallowed; pass one of them",
      "special_token",
    );
  }
  const out = new Uint8Array(specials.length);
  specials.forEach((s, i) => {
    const explicitAllow = allowed === "all" || allowed?.has(s) === true;
    const explicitDisallow = disallowed !== undefined && disallowed !== "all" && disallowed.has(s);
    if (explicitAllow && explicitDisallow) {
      throw new TokenizerError(
        `special token ${JSON.stringify(s)} is both allowed and disallowed; ` +
          "list it in allowedSpecial or in disallowedSpecial, not both",
        "special_token",
      );
    }
    // "all" disallows every token not explicitly allowed (tiktoken's meaning); an explicit disallow (a list
    // or "all") beats the default allow, which only applies when allowedSpecial is not given.
    const isDisallowed = explicitDisallow || (disallowed === "all" && !explicitAllow);
    const isAllowed = !isDisallowed && (allowed === undefined || explicitAllow);
    out[i] = (isAllowed ? ALLOWED : 0) | (isDisallowed ? DISALLOWED : 0);
  });
  if (out.length === 0 || out.every((b) => b === ALLOWED)) return DEFAULT;
  return out;
}

/** The special tokens split off as special tokens under `opts` (the others are plain text or errors). */
export function allowedTokens(specials: readonly string[], opts?: SpecialOptions): string[] {
  const policy = resolvePolicy(specials, opts);
  return policy.length === 0 ? [...specials] : specials.filter((_, i) => (policy[i] ?? 0) & ALLOWED);
}
