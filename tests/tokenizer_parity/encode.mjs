// Encodes every line of a corpus with an independent implementation of tokenizer.json and prints
// one JSON object per line: {"ids": [...]}. Two implementations:
//  - js: Hugging Face's tokenizers.js (@huggingface/tokenizers), pure JavaScript;
//  - rust: Hugging Face's tokenizers, the Rust library itself (the one upstream's classifiers
//    use), through its Node binding (@anush008/tokenizers). tokenizers.js only approximates
//    SentencePiece's Precompiled normalizer (NFKC), so files with one are checked against this.
// Usage: node encode.mjs <js|rust> <tokenizer.json> <corpus.txt>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [implementation, tokenizerPath, corpusPath] = process.argv.slice(2);
const lines = readFileSync(corpusPath, "utf8").split("\n");
if (lines.at(-1) === "") lines.pop();

let encode;
if (implementation === "rust") {
  const { Tokenizer } = createRequire(import.meta.url)("@anush008/tokenizers");
  const tokenizer = Tokenizer.fromFile(tokenizerPath);
  encode = async (line) => (await tokenizer.encode(line)).getIds();
} else if (implementation === "js") {
  const { Tokenizer } = await import("@huggingface/tokenizers");
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerPath, "utf8")), {});
  encode = async (line) => tokenizer.encode(line).ids;
} else {
  console.error("usage: node encode.mjs <js|rust> <tokenizer.json> <corpus.txt>");
  process.exit(2);
}
for (const line of lines) {
  process.stdout.write(JSON.stringify({ ids: await encode(line) }) + "\n");
}
