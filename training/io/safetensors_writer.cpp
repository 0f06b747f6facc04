#include "training/io/safetensors_writer.h"

#include "base/atomic_file.h"
#include "base/error.h"

namespace glossa {

SafetensorsWriter::SafetensorsWriter(std::string path, const NamedTensors& specs,
                                     const std::map<std::string, std::string>& metadata)
    : path_(std::move(path)) {
  const SafetensorsLayout layout = safetensors_layout(specs, metadata, path_);
  uint64_t offset = layout.header.size();
  for (const size_t i : layout.order) {
    const torch::Tensor& t = specs[i].second;
    slots_[specs[i].first] = {offset, t.sizes().vec(), t.scalar_type(), false};
    offset += static_cast<uint64_t>(t.numel()) * static_cast<uint64_t>(t.element_size());
  }
  file_ = std::make_unique<AtomicFile>(path_);
  file_->write_at(layout.header.data(), layout.header.size(), 0);
}

SafetensorsWriter::~SafetensorsWriter() = default;  // unfinished: AtomicFile removes it

void SafetensorsWriter::write(const std::string& name, const torch::Tensor& tensor) {
  const auto slot = slots_.find(name);
  if (slot == slots_.end()) fail(path_, "tensor \"" + name + "\" is not in the file's header");
  Slot& s = slot->second;
  if (s.written) fail(path_, "tensor \"" + name + "\" written twice");
  if (tensor.sizes().vec() != s.shape || tensor.scalar_type() != s.dtype)
    fail(path_, "tensor \"" + name + "\" is " + c10::str(tensor.scalar_type(), tensor.sizes()) +
                    ", the header says " + c10::str(s.dtype, s.shape));
  if (!file_) fail(path_, "tensor \"" + name + "\" written after finish()");
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  file_->write_at(t.data_ptr(), static_cast<size_t>(t.nbytes()), s.offset);
  s.written = true;
}

void SafetensorsWriter::finish() {
  if (!file_) fail(path_, "finish() called twice");
  for (const auto& [name, slot] : slots_)
    if (!slot.written) fail(path_, "tensor \"" + name + "\" was never written");
  file_->commit();
  file_.reset();
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer(path, tensors, metadata);
  for (const auto& [name, tensor] : tensors) writer.write(name, tensor);
  writer.finish();
}

}  // namespace glossa
