// ctest-labels: unit
// Activation checkpointing: the block really runs again in backward, and a tiny model's loss and
// every parameter gradient are the same with and without it (frozen parameters included).
#include <QtTest>
#include <set>

#include "base/error.h"
#include "training/model/activation_checkpoint.h"
#include "training/model/llama_model.h"

using namespace glossa;

namespace {

ModelConfig tiny() {
  ModelConfig c;
  c.vocab_size = 37;
  c.hidden_size = 32;
  c.intermediate_size = 48;
  c.num_hidden_layers = 3;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.attention_bias = true;
  return c;
}

// Autograd nodes of the graph behind `t` whose name mentions `what` (each node counted once).
int count_nodes(const torch::Tensor& t, const std::string& what) {
  std::set<torch::autograd::Node*> seen;
  std::vector<torch::autograd::Node*> todo = {t.grad_fn().get()};
  int count = 0;
  while (!todo.empty()) {
    torch::autograd::Node* node = todo.back();
    todo.pop_back();
    if (node == nullptr || !seen.insert(node).second) continue;
    if (node->name().find(what) != std::string::npos) ++count;
    for (const auto& edge : node->next_edges()) todo.push_back(edge.function.get());
  }
  return count;
}

struct Step {
  int checkpoints = 0;  // CheckpointFunction nodes in the graph
  double loss = 0;
  std::map<std::string, torch::Tensor> grads;  // defined only for trained parameters
};

Step train_step(LlamaForCausalLM& model, const torch::Tensor& ids, const torch::Tensor& targets) {
  for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
  const auto logits = model->forward(ids);  // (B, T, V)
  const auto loss = torch::nn::functional::cross_entropy(logits.flatten(0, 1), targets.flatten());
  Step step;
  step.checkpoints = count_nodes(loss, "CheckpointFunction");
  loss.backward();
  step.loss = loss.item<double>();
  for (const auto& p : model->named_parameters())
    if (p.value().grad().defined()) step.grads[p.key()] = p.value().grad().clone();
  return step;
}

}  // namespace

class TestActivationCheckpoint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void blockIsRecomputedInBackwardWithTheSameGradients() {
    const auto w = torch::tensor({0.5, -2.0, 3.0}, torch::kFloat64).requires_grad_();
    const auto x0 = torch::tensor({1.0, 2.0, -1.0}, torch::kFloat64);
    int calls = 0;
    const CheckpointedBlock block = [&](const torch::Tensor& x) {
      ++calls;
      return torch::tanh(x * w) * x;
    };
    const auto x = x0.clone().requires_grad_();
    block(x).sum().backward();
    const auto want_x = x.grad().clone(), want_w = w.grad().clone();
    w.mutable_grad() = torch::Tensor();
    calls = 0;
    const auto x2 = x0.clone().requires_grad_();
    const auto y = checkpoint(block, x2, {w});
    QCOMPARE(calls, 1);
    QVERIFY(torch::equal(y, torch::tanh(x0 * w) * x0));
    y.sum().backward();
    QCOMPARE(calls, 2);  // recomputed once, in backward
    QVERIFY(torch::equal(x2.grad(), want_x));
    QVERIFY(torch::equal(w.grad(), want_w));
    {
      torch::NoGradGuard no_grad;  // without autograd it is a plain call
      calls = 0;
      checkpoint(block, x2, {w});
      QCOMPARE(calls, 1);
    }
    QVERIFY_THROWS_EXCEPTION(Error, checkpoint(block, x2, {x0}));  // x0 needs no grad
  }

  void modelLossAndEveryGradientEqualWithAndWithout() {
    torch::manual_seed(21);
    LlamaForCausalLM model(tiny());
    model->train();
    // Frozen parameters (as a training stage freezes them) must stay without gradient.
    model->input_embedding().requires_grad_(false);
    model->model->decoder[1]->self_attn->k_proj->weight.requires_grad_(false);
    const auto ids = torch::randint(37, {2, 13}, torch::kInt64);
    const auto targets = torch::randint(37, {2, 13}, torch::kInt64);

    const Step plain = train_step(model, ids, targets);
    model->set_activation_checkpointing(true);
    const Step checkpointed = train_step(model, ids, targets);

    QCOMPARE(plain.checkpoints, 0);
    QCOMPARE(checkpointed.checkpoints, 3);  // one per decoder layer
    QVERIFY(std::abs(plain.loss - checkpointed.loss) <= 1e-6);
    QCOMPARE(checkpointed.grads.size(), plain.grads.size());
    QCOMPARE(plain.grads.size(), model->parameters().size() - 2);
    QVERIFY(!plain.grads.count("model.embed_tokens.weight"));
    double worst = 0;
    for (const auto& [name, g] : plain.grads) {
      QVERIFY2(checkpointed.grads.count(name), name.c_str());
      const double diff = (g - checkpointed.grads.at(name)).abs().max().item<double>();
      worst = std::max(worst, diff);
      QVERIFY2(diff <= 1e-6, (name + ": " + std::to_string(diff)).c_str());
      QVERIFY2(g.abs().max().item<double>() > 0, name.c_str());  // a real gradient, not zeros
    }
    qInfo("loss %.9f vs %.9f, max gradient difference %.3g", plain.loss, checkpointed.loss, worst);
  }
};

QTEST_GUILESS_MAIN(TestActivationCheckpoint)
#include "test_activation_checkpoint.moc"
