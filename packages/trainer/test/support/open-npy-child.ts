// Child process for the read-only data tests, run as another user: opens a token array and prints one JSON
// line with its length and id sum, or the error it met. argv: PATH.
import { openNpy } from "../../src/data/npy.ts";

try {
  const { data } = openNpy(process.argv[2] as string);
  let sum = 0;
  for (const id of data) sum += id;
  process.stdout.write(`${JSON.stringify({ length: data.length, sum })}\n`);
} catch (e) {
  process.stdout.write(`${JSON.stringify({ error: (e as Error).message })}\n`);
}
