#include "training/safetensors_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "tokenizer/error.h"

namespace glossa {
namespace {

std::string errno_text() { return std::strerror(errno); }

// All `n` bytes at `offset` (pwrite may write fewer; EINTR retries).
void write_all_at(int fd, const void* bytes, size_t n, uint64_t offset, const std::string& path) {
  const auto* p = static_cast<const char*>(bytes);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      fail(path, "write failed: " + errno_text());
    }
    p += w;
    offset += static_cast<uint64_t>(w);
    n -= static_cast<size_t>(w);
  }
}

std::string temp_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + file + ".tmp" + std::to_string(std::random_device{}() % 1000000);
}

}  // namespace

SafetensorsWriter::SafetensorsWriter(std::string path, const NamedTensors& specs,
                                     const std::map<std::string, std::string>& metadata)
    : path_(std::move(path)), temp_(temp_name(path_)) {
  const SafetensorsLayout layout = safetensors_layout(specs, metadata, path_);
  uint64_t offset = layout.header.size();
  for (const size_t i : layout.order) {
    const torch::Tensor& t = specs[i].second;
    slots_[specs[i].first] = {offset, t.sizes().vec(), t.scalar_type(), false};
    offset += static_cast<uint64_t>(t.numel()) * static_cast<uint64_t>(t.element_size());
  }
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd_ < 0) fail(path_, "cannot create temporary file " + temp_ + ": " + errno_text());
  try {
    write_all_at(fd_, layout.header.data(), layout.header.size(), 0, path_);
  } catch (...) {
    ::close(fd_);
    ::unlink(temp_.c_str());
    throw;
  }
}

SafetensorsWriter::~SafetensorsWriter() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

void SafetensorsWriter::write(const std::string& name, const torch::Tensor& tensor) {
  const auto slot = slots_.find(name);
  if (slot == slots_.end()) fail(path_, "tensor \"" + name + "\" is not in the file's header");
  Slot& s = slot->second;
  if (s.written) fail(path_, "tensor \"" + name + "\" written twice");
  if (tensor.sizes().vec() != s.shape || tensor.scalar_type() != s.dtype)
    fail(path_, "tensor \"" + name + "\" is " + c10::str(tensor.scalar_type(), tensor.sizes()) +
                    ", the header says " + c10::str(s.dtype, s.shape));
  if (fd_ < 0) fail(path_, "tensor \"" + name + "\" written after finish()");
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  write_all_at(fd_, t.data_ptr(), static_cast<size_t>(t.nbytes()), s.offset, path_);
  s.written = true;
}

void SafetensorsWriter::finish() {
  for (const auto& [name, slot] : slots_)
    if (!slot.written) fail(path_, "tensor \"" + name + "\" was never written");
  if (::fsync(fd_) != 0) fail(path_, "could not flush: " + errno_text());
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 || ::rename(temp_.c_str(), path_.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(temp_.c_str());
    fail(path_, "could not move the temporary file into place: " + why);
  }
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter writer(path, tensors, metadata);
  for (const auto& [name, tensor] : tensors) writer.write(name, tensor);
  writer.finish();
}

}  // namespace glossa
