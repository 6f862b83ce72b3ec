// Encodes every line of a corpus with Hugging Face's tokenizers.js (a separate, pure-JS
// implementation of tokenizer.json) and prints one JSON object per line: {"ids": [...]}.
// Usage: node encode.mjs <tokenizer.json> <corpus.txt>
import { readFileSync } from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";

const [tokenizerPath, corpusPath] = process.argv.slice(2);
const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerPath, "utf8")), {});
const lines = readFileSync(corpusPath, "utf8").split("\n");
if (lines.at(-1) === "") lines.pop();
for (const line of lines) {
  const encoded = tokenizer.encode(line);
  process.stdout.write(JSON.stringify({ ids: encoded.ids }) + "\n");
}
