// Is a trainer process still there? For ranks this backend started, waitpid reaps them (no
// zombies) and tells how they ended; for ranks a previous backend started (adopted after a
// restart, no longer our children) the answer comes from /proc: the pid exists, is not a zombie,
// and its command line still names glossa-train (a pid reused by another program is not our
// trainer). Linux-only, like the rest of the daemon. Qt-free, torch-free.
#pragma once

#include <cstdint>
#include <string>

namespace glossa::backend {

struct ProcessCheck {
  bool alive = false;
  std::string ended;  // when a child ended: "exit code 1", "killed by signal 9"; else ""
};

// Never blocks. `program_name` is the file name the command line must contain ("glossa-train").
ProcessCheck check_trainer(int64_t pid, const std::string& program_name);

}  // namespace glossa::backend
