#include "training/model/activation_checkpoint.h"

#include "base/error.h"

namespace glossa {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Holds the block between forward and backward (saved_data stores IValues; a capsule carries it).
struct BlockHolder : torch::CustomClassHolder {
  BlockHolder(CheckpointedBlock b, std::vector<torch::Tensor> p)
      : block(std::move(b)), parameters(std::move(p)) {}
  CheckpointedBlock block;
  std::vector<torch::Tensor> parameters;  // the very parameter tensors (leaves) the block reads
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  // Inputs as autograd sees them: [block (not a tensor), x, parameters...].
  static torch::Tensor forward(AutogradContext* ctx, c10::intrusive_ptr<BlockHolder> holder,
                               const torch::Tensor& x, torch::TensorList parameters) {
    ctx->saved_data["block"] = c10::IValue::make_capsule(holder);
    ctx->save_for_backward({x});
    // Autograd is off inside a custom Function's forward: nothing of the block is recorded.
    return holder->block(x);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto holder =
        c10::static_intrusive_pointer_cast<BlockHolder>(ctx->saved_data["block"].toCapsule());
    const auto saved = ctx->get_saved_variables();
    // Recompute with grad enabled and ask autograd for d(out)/d(x, parameters); the Function
    // returns them, and the engine accumulates the parameters' share into their .grad.
    torch::AutoGradMode enable(true);
    const auto x = saved[0].detach().requires_grad_(saved[0].requires_grad());
    const auto out = holder->block(x);
    variable_list inputs;
    if (x.requires_grad()) inputs.push_back(x);
    for (const auto& p : holder->parameters) inputs.push_back(p);
    variable_list grads =
        inputs.empty()
            ? variable_list{}
            : torch::autograd::grad({out}, inputs, {grad_outputs[0]}, /*retain_graph=*/false,
                                    /*create_graph=*/false, /*allow_unused=*/true);
    variable_list result;
    result.emplace_back();  // the block
    size_t next = 0;
    result.push_back(x.requires_grad() ? grads[next++] : torch::Tensor());
    for (size_t i = 0; i < holder->parameters.size(); ++i) result.push_back(grads[next++]);
    return result;
  }
};

}  // namespace

torch::Tensor checkpoint(const CheckpointedBlock& block, const torch::Tensor& x,
                         const std::vector<torch::Tensor>& parameters) {
  bool needs_grad = x.requires_grad();
  for (const auto& p : parameters) {
    if (!p.requires_grad())
      fail("activation checkpoint", "every tensor passed as a parameter must require grad");
    needs_grad = true;
  }
  if (!torch::GradMode::is_enabled() || !needs_grad) return block(x);
  auto holder = c10::make_intrusive<BlockHolder>(block, parameters);
  return CheckpointFunction::apply(holder, x, torch::TensorList(parameters));
}

}  // namespace glossa
