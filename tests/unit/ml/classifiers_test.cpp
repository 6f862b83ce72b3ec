// Sequence and token classification heads (BERT and ModernBERT) against the numpy reference of the
// same random weights (tests/fixtures/ml/make_tiny_bert.py), BIO joining as upstream does it, and
// task folders that cannot be used.
#include "ml/classifiers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "ml/model_store.h"
#include "support/ml_fixtures.h"

namespace vsr::ml {
namespace {

namespace json = boost::json;
const std::string& kFixtures = testing::kMlFixtures;

void ExpectRowsNear(const std::vector<std::vector<float>>& got, const json::value& want) {
  ASSERT_EQ(got.size(), want.as_array().size());
  for (size_t r = 0; r < got.size(); ++r) {
    const json::array& row = want.as_array()[r].as_array();
    ASSERT_EQ(got[r].size(), row.size());
    for (size_t i = 0; i < row.size(); ++i) {
      EXPECT_NEAR(got[r][i], row[i].to_number<double>(), 1e-5) << "row " << r << " at " << i;
    }
  }
}

TEST(BertSequenceClassifier, MatchesTheReferenceProbabilities) {
  std::string error;
  auto c = SequenceClassifierModel::Load(kFixtures + "/tiny-bert-seqcls", error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->labels(), (std::vector<std::string>{"math", "biology", "other"}));
  // The reference's inputs are "Hello, World!" and "my card is 41111" after tokenization.
  const auto batched = c->ClassifyBatch({"Hello, World!", "my card is 41111"});
  ExpectRowsNear(batched, testing::ExpectedOutputs("tiny-bert-seqcls").at("probabilities"));
  ExpectRowsNear(
      {c->Classify("Hello, World!")},
      json::array{testing::ExpectedOutputs("tiny-bert-seqcls").at("probabilities").as_array()[0]});
}

TEST(BertTokenClassifier, MatchesTheReferenceAndJoinsBioTags) {
  std::string error;
  auto c = TokenClassifierModel::Load(kFixtures + "/tiny-bert-tokcls", error);
  ASSERT_TRUE(c) << error;
  const json::object want = testing::ExpectedOutputs("tiny-bert-tokcls");
  ExpectRowsNear(c->TokenProbabilities(c->Tokenize("Hello, World!")), want.at("probabilities_0"));
  ExpectRowsNear(c->TokenProbabilities(c->Tokenize("my card is 41111")),
                 want.at("probabilities_1"));
  // Per token: hello B-CREDIT_CARD .47, "," I-PERSON (no open PERSON: closes), world B-PERSON
  // .90, "!" I-CREDIT_CARD (other type: closes). Spans are bytes of the original text.
  const std::vector<TokenEntity> entities = c->Entities("Hello, World!");
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(entities[0].type, "CREDIT_CARD");
  EXPECT_EQ(entities[0].start, 0u);
  EXPECT_EQ(entities[0].end, 5u);
  EXPECT_NEAR(entities[0].confidence, 0.47, 0.01);
  EXPECT_EQ(entities[1].type, "PERSON");
  EXPECT_EQ(entities[1].start, 7u);
  EXPECT_EQ(entities[1].end, 12u);
}

// ModernBERT task checkpoints (tests/fixtures/ml/make_tiny_modernbert.py): mean pooling +
// dense/GELU/LayerNorm head for sequences, the same head per token, against numpy.
TEST(ModernBertClassifiers, MatchTheReferenceProbabilities) {
  std::string error;
  auto seq = SequenceClassifierModel::Load(kFixtures + "/tiny-modernbert-seqcls", error);
  ASSERT_TRUE(seq) << error;
  const json::object want = testing::ExpectedOutputs("tiny-modernbert-seqcls");
  ExpectRowsNear(seq->ClassifyBatch({"Hello, World!", "my card is 41111",
                                     "the cafe is ab. hello world unaffable!"}),
                 want.at("probabilities"));
  auto tok = TokenClassifierModel::Load(kFixtures + "/tiny-modernbert-tokcls", error);
  ASSERT_TRUE(tok) << error;
  const json::object tw = testing::ExpectedOutputs("tiny-modernbert-tokcls");
  ExpectRowsNear(tok->TokenProbabilities(tok->Tokenize("Hello, World!")), tw.at("probabilities_0"));
  ExpectRowsNear(tok->TokenProbabilities(tok->Tokenize("the cafe is ab. hello world unaffable!")),
                 tw.at("probabilities_2"));
}

// bfloat16 products (VLLM_SR_MATMUL=bf16) on a whole ModernBERT classifier: the reference's
// probabilities within bfloat16's error, and the same top class for every input.
TEST(ModernBertClassifiers, Bf16ProductsKeepTheAnswers) {
  if (!Bf16ProductsSupported()) GTEST_SKIP() << "this CPU has no bfloat16 products";
  SetBf16Products(true);  // the copy is made at load
  std::string error;
  auto seq = SequenceClassifierModel::Load(kFixtures + "/tiny-modernbert-seqcls", error);
  SetBf16Products(false);
  ASSERT_TRUE(seq) << error;
  const json::array want =
      testing::ExpectedOutputs("tiny-modernbert-seqcls").at("probabilities").as_array();
  SetBf16Products(true);
  const auto got = seq->ClassifyBatch(
      {"Hello, World!", "my card is 41111", "the cafe is ab. hello world unaffable!"});
  SetBf16Products(false);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const std::vector<float> w = testing::Floats(want[i]);
    ASSERT_EQ(got[i].size(), w.size());
    EXPECT_EQ(ArgMax(got[i]), ArgMax(w)) << "input " << i;
    for (size_t j = 0; j < w.size(); ++j) EXPECT_NEAR(got[i][j], w[j], 0.02) << i << "," << j;
  }
}

// int8 weights (VLLM_SR_MATMUL=int8) on whole classifiers: the reference's probabilities within
// int8's error and the same top class for every input, for a ModernBERT and a BERT checkpoint.
TEST(Classifiers, Int8WeightsKeepTheAnswers) {
  const std::vector<std::string> inputs = {"Hello, World!", "my card is 41111",
                                           "the cafe is ab. hello world unaffable!"};
  for (const std::string name : {"tiny-modernbert-seqcls", "tiny-bert-seqcls"}) {
    SCOPED_TRACE(name);
    SetInt8Weights(true);  // the weights are quantized at load
    std::string error;
    auto seq = SequenceClassifierModel::Load(kFixtures + "/" + name, error);
    SetInt8Weights(false);
    ASSERT_TRUE(seq) << error;
    const json::array want = testing::ExpectedOutputs(name).at("probabilities").as_array();
    const auto got = seq->ClassifyBatch({inputs.begin(), inputs.begin() + want.size()});
    ASSERT_EQ(got.size(), want.size());
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const std::vector<float> w = testing::Floats(want[i]);
      ASSERT_EQ(got[i].size(), w.size());
      EXPECT_EQ(ArgMax(got[i]), ArgMax(w)) << "input " << i;
      for (size_t j = 0; j < w.size(); ++j) {
        worst = std::max(worst, double(std::abs(got[i][j] - w[j])));
      }
    }
    EXPECT_GT(worst, 1e-6);  // really quantized...
    EXPECT_LT(worst, 0.02);  // ...and close
  }
}

// XLM-R layout (tests/fixtures/ml/make_tiny_bert.py): the BERT encoder under "roberta." with
// positions counted from pad_token_id + 1, and RoBERTa's classification head.
TEST(XlmRobertaClassifier, MatchesTheReferenceProbabilities) {
  std::string error;
  auto c = SequenceClassifierModel::Load(kFixtures + "/tiny-xlmr-seqcls", error);
  ASSERT_TRUE(c) << error;
  ExpectRowsNear(c->ClassifyBatch({"Hello, World!", "my card is 41111"}),
                 testing::ExpectedOutputs("tiny-xlmr-seqcls").at("probabilities"));
}

TEST(JoinTokenLabels, FollowsUpstreamBioRules) {
  const std::vector<std::string> labels{"O", "B-EMAIL", "I-EMAIL", "B-PHONE"};
  const auto one_hot = [](size_t label, float p) {
    std::vector<float> row(4, (1 - p) / 3);
    row[label] = p;
    return row;
  };
  // [CLS] a@b . com call 555 [SEP]
  const std::vector<std::pair<size_t, size_t>> offsets{{0, 0},  {0, 3},   {3, 4}, {4, 7},
                                                       {8, 12}, {13, 16}, {0, 0}};
  const std::vector<std::vector<float>> probs{one_hot(1, .9f), one_hot(1, .8f), one_hot(2, .6f),
                                              one_hot(2, .4f), one_hot(0, .9f), one_hot(3, .7f),
                                              one_hot(3, .9f)};
  const auto e = JoinTokenLabels(labels, offsets, probs);
  ASSERT_EQ(e.size(), 2u);  // the special tokens' B-EMAIL / B-PHONE predictions are ignored
  EXPECT_EQ(e[0].type, "EMAIL");
  EXPECT_EQ(e[0].start, 0u);
  EXPECT_EQ(e[0].end, 7u);
  EXPECT_NEAR(e[0].confidence, ((.8 + .6) / 2 + .4) / 2, 1e-6);  // pairwise running average
  EXPECT_EQ(e[1].type, "PHONE");
  EXPECT_EQ(e[1].start, 13u);
  // An I- tag with nothing open starts nothing.
  EXPECT_TRUE(JoinTokenLabels(labels, {{0, 3}}, {one_hot(2, .9f)}).empty());
  // Labels without BIO prefixes: each non-O token is an entity.
  const auto flat = JoinTokenLabels({"O", "SUPPORTED", "HALLUCINATED"}, {{0, 3}, {4, 6}, {7, 9}},
                                    {{.1f, .1f, .8f}, {.8f, .1f, .1f}, {.1f, .8f, .1f}});
  ASSERT_EQ(flat.size(), 2u);
  EXPECT_EQ(flat[0].type, "HALLUCINATED");
  EXPECT_EQ(flat[1].type, "SUPPORTED");
}

TEST(BertTaskFolders, UnusableFoldersAreNamedWithTheirProblem) {
  std::string error;
  // A sequence checkpoint is not a token checkpoint, and the reverse.
  EXPECT_FALSE(TokenClassifierModel::Load(kFixtures + "/tiny-bert-seqcls", error));
  EXPECT_NE(error.find("architectures[0] is 'BertForSequenceClassification', expected "
                       "'BertForTokenClassification', 'ModernBertForTokenClassification'"),
            std::string::npos)
      << error;
  // A base model has no head.
  EXPECT_FALSE(SequenceClassifierModel::Load(kFixtures + "/tiny-bert", error));
  EXPECT_NE(error.find("architectures[0] is 'BertModel'"), std::string::npos) << error;
  // Head missing from the weights, labels that disagree with the classifier's rows.
  const std::string dir = testing::ScratchCopy("tiny-bert-seqcls", "seqcls-broken",
                                               {"tokenizer.json", "model.safetensors"});
  json::object cfg = testing::FixtureConfig("tiny-bert-seqcls");
  cfg["id2label"] = json::object{{"0", "a"}, {"1", "b"}};
  std::ofstream(dir + "/config.json") << json::serialize(cfg);
  EXPECT_FALSE(SequenceClassifierModel::Load(dir, error));
  EXPECT_NE(error.find("tensor 'classifier.weight' is F32 [3, 16], the model config expects F32 "
                       "[2, 16]"),
            std::string::npos)
      << error;
  cfg["id2label"] = json::object{{"zero", "a"}};
  std::ofstream(dir + "/config.json", std::ios::trunc) << json::serialize(cfg);
  EXPECT_FALSE(SequenceClassifierModel::Load(dir, error));
  EXPECT_NE(error.find("'id2label' must map class indices"), std::string::npos) << error;
  std::filesystem::remove(dir + "/tokenizer.json");
  cfg["id2label"] = json::object{{"0", "a"}, {"1", "b"}, {"2", "c"}};
  std::ofstream(dir + "/config.json", std::ios::trunc) << json::serialize(cfg);
  EXPECT_FALSE(SequenceClassifierModel::Load(dir, error));
  EXPECT_NE(error.find("tokenizer.json"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

TEST(ModelStore, LoadsAFolderOnceWhileItIsInUse) {
  ModelStore store;
  std::string error;
  auto a = store.LoadSequenceClassifier(kFixtures + "/tiny-bert-seqcls", error);
  auto b = store.LoadSequenceClassifier(kFixtures + "/tiny-bert-seqcls/", error);
  ASSERT_TRUE(a && b) << error;
  EXPECT_EQ(a.get(), b.get());
  const std::weak_ptr<const SequenceClassifier> watch = a;
  a.reset();
  b.reset();
  EXPECT_TRUE(watch.expired());  // the store does not keep an unused model alive
  auto c = store.LoadSequenceClassifier(kFixtures + "/tiny-bert-seqcls", error);
  ASSERT_TRUE(c);  // and loads it again when asked
  EXPECT_FALSE(store.LoadTokenClassifier(kFixtures + "/missing", error));
  EXPECT_NE(error.find("missing/config.json: cannot open"), std::string::npos) << error;
  auto embedder = store.LoadEmbedder(kFixtures + "/tiny-bert", error);
  ASSERT_TRUE(embedder) << error;
  EXPECT_EQ(embedder->dimension(), 16u);
}

}  // namespace
}  // namespace vsr::ml
