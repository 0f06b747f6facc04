// A TCP port for a data-parallel rendezvous (MASTER_PORT): picked at random outside the kernel's
// ephemeral range (/proc/sys/net/ipv4/ip_local_port_range) and checked free by binding it. A port
// the kernel handed out by bind(0) and that was closed again is the next one it hands to another
// process (any outgoing connection), which is the close-then-reuse race; outside the range only a
// deliberate bind can take it. Used by the backend's launcher and by the tests' launchers.
#pragma once

namespace glossa {

// Throws Error when 200 tries found no free port.
int free_rendezvous_port();

}  // namespace glossa
