// `bun run bench [NAME…] [-- flags]`: runs the benchmarks in bench/ (each a script printing one JSON line per
// measurement and a table), one after another so they never compete for the cores.
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const all = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .map((f) => f.slice(0, -3))
  .sort();
const sep = process.argv.indexOf("--");
const names = (sep >= 0 ? process.argv.slice(2, sep) : process.argv.slice(2)).filter((a) => !a.startsWith("-"));
const extra = sep >= 0 ? process.argv.slice(sep + 1) : [];
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(", ")}; available: ${all.join(", ")}`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : all) {
  console.log(`\n# bench/${name}`);
  const proc = Bun.spawnSync(["bun", join(dir, `${name}.ts`), ...extra], { stdio: ["inherit", "inherit", "inherit"] });
  if (proc.exitCode !== 0) process.exitCode = proc.exitCode ?? 1;
}
