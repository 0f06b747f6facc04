// Declarations-only stand-in (see ../README.md): ProcessGroupGloo.hpp names these types only.
#pragma once

namespace gloo::transport {
class Device;
class UnboundBuffer;
}  // namespace gloo::transport
