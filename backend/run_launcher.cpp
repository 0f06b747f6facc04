#include "backend/run_launcher.h"

#include "base/rendezvous_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <random>

#include "base/error.h"

extern char** environ;

namespace glossa::backend {
namespace {

// The backend's environment with the rank's variables set over it (a stale RANK of a backend
// started under torchrun must not leak into the ranks).
std::vector<std::string> rank_environment(const LaunchSpec& spec, int64_t rank, int port) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) vars[std::string(*e, size_t(eq - *e))] = eq + 1;
  }
  vars["RANK"] = std::to_string(rank);
  vars["LOCAL_RANK"] = std::to_string(rank);
  vars["WORLD_SIZE"] = std::to_string(spec.world_size);
  vars["LOCAL_WORLD_SIZE"] = std::to_string(spec.world_size);
  vars["MASTER_ADDR"] = "127.0.0.1";
  vars["MASTER_PORT"] = std::to_string(port);
  if (!spec.visible_gpus.empty()) {
    std::string list;
    for (int64_t gpu : spec.visible_gpus) {
      if (!list.empty()) list += ',';
      list += std::to_string(gpu);
    }
    vars["CUDA_VISIBLE_DEVICES"] = list;
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : vars) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// One rank: stdin from /dev/null, stdout and stderr appended to its log, every other descriptor
// of the backend (client sockets, the store) closed, a session of its own.
int64_t spawn_rank(const LaunchSpec& spec, int64_t rank, int port) {
  std::vector<std::string> args = {spec.program, spec.config_path};
  if (spec.resume) args.push_back("--resume");
  std::vector<std::string> env = rank_environment(spec, rank, port);
  std::vector<char*> argv = pointers(args), envp = pointers(env);
  const std::string log = rank_log_path(spec.run_dir, rank);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // Default signal handling in the child: the backend may ignore SIGPIPE or block signals.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int error =
      ::posix_spawn(&pid, spec.program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error != 0)
    fail(spec.program, "cannot start rank " + std::to_string(rank) + " of the run in " +
                           spec.run_dir + ": " + errno_text(error));
  return pid;
}

}  // namespace

std::string rank_log_path(const std::string& run_dir, int64_t rank) {
  return run_dir + "/logs/rank-" + std::to_string(rank) + ".log";
}

std::vector<int64_t> launch_ranks(const LaunchSpec& spec) {
  const int port = free_rendezvous_port();
  std::vector<int64_t> pids;
  try {
    for (int64_t rank = 0; rank < spec.world_size; ++rank)
      pids.push_back(spawn_rank(spec, rank, port));
  } catch (const Error&) {
    for (int64_t pid : pids) {  // half a run would wait at the rendezvous until its timeout
      ::kill(pid_t(pid), SIGKILL);
      ::waitpid(pid_t(pid), nullptr, 0);
    }
    throw;
  }
  return pids;
}

}  // namespace glossa::backend
