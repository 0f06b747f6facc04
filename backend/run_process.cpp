#include "backend/run_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <fstream>
#include <iterator>

namespace glossa::backend {
namespace {

// The state letter of /proc/PID/stat (R, S, D, Z, ...), or '\0' when the process is gone. The
// command name in parentheses may itself hold spaces and ')': the state follows the last ')'.
char proc_state(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return '\0';
  return stat[close + 2];
}

// argv[0] of /proc/PID/cmdline (NUL-separated).
std::string proc_argv0(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(in, argv0, '\0');
  return argv0;
}

}  // namespace

ProcessCheck check_trainer(int64_t pid, const std::string& program_name) {
  if (pid <= 0) return {};
  int status = 0;
  const pid_t reaped = ::waitpid(pid_t(pid), &status, WNOHANG);
  if (reaped == pid_t(pid)) {  // our child, ended now
    if (WIFSIGNALED(status)) return {false, "killed by signal " + std::to_string(WTERMSIG(status))};
    return {false, "exit code " + std::to_string(WEXITSTATUS(status))};
  }
  if (reaped == 0) return {true, ""};  // our child, running
  // Not (or no longer) our child: ECHILD. Ask /proc.
  if (::kill(pid_t(pid), 0) != 0 && errno != EPERM) return {};
  const char state = proc_state(pid);
  if (state == '\0' || state == 'Z' || state == 'X') return {};
  const std::string argv0 = proc_argv0(pid);
  return {argv0.find(program_name) != std::string::npos, ""};
}

}  // namespace glossa::backend
