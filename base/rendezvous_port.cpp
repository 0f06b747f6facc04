#include "base/rendezvous_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <random>

#include "base/error.h"

namespace glossa {

namespace {

bool can_bind(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_rendezvous_port() {
  int low = 32768, high = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
  // Below the ephemeral range when there is room (Linux's default leaves 20000-32767), else above.
  const bool below = low > 21000;
  std::uniform_int_distribution<int> pick(below ? 20000 : high + 1, below ? low - 1 : 65000);
  std::random_device seed;
  std::mt19937 rng(seed());
  for (int tries = 0; tries < 200; ++tries) {
    const int port = pick(rng);
    if (can_bind(port)) return port;
  }
  fail("MASTER_PORT", "no free TCP port found outside the ephemeral range");
}

}  // namespace glossa
