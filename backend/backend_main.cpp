// glossa-backend: the daemon between the workbench and the engines (docs/backend.md).
//   glossa-backend [--socket PATH] [--data-dir DIR] [--max-cpu-jobs N] [--foreground]
// Listens on $XDG_RUNTIME_DIR/glossa/backend.sock for JSON-RPC clients (docs/protocol.md), runs
// engine jobs on a bounded pool, launches and follows glossa-train runs, keeps jobs and runs in
// DATA_DIR/backend.sqlite. SIGTERM / SIGINT: stops accepting, cancels engine jobs (no partial
// output), leaves training runs running, exits 0. Exit 1 on a start-up error (another backend
// on the socket, an unusable folder), 2 on usage errors.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "backend/backend_log.h"
#include "backend/backend_store.h"
#include "backend/job_manager.h"
#include "backend/rpc_dispatch.h"
#include "backend/run_supervisor.h"
#include "backend/socket_server.h"
#include "base/error.h"
#include "protocol/rpc_message.h"

namespace {

using namespace glossa;
using namespace glossa::backend;

SocketServer* g_server = nullptr;

extern "C" void on_signal(int) {
  if (g_server) g_server->stop();  // one write(2): async-signal-safe
}

// $NAME, else $HOME/FALLBACK.
std::string xdg(const char* name, const char* fallback) {
  if (const char* v = std::getenv(name); v && *v) return v;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/" + fallback;
}

std::string default_socket() {
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && *run)
    return std::string(run) + "/glossa/backend.sock";
  return "/tmp/glossa-" + std::to_string(::getuid()) + "/backend.sock";  // no runtime dir
}

std::string beside_me(const std::string& program) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(program) : self.parent_path() / program).string();
}

struct Options {
  std::string socket = default_socket();
  std::string data_dir = xdg("XDG_DATA_HOME", ".local/share") + "/glossa";
  std::string log_file = xdg("XDG_STATE_HOME", ".local/state") + "/glossa/backend.log";
  int max_cpu_jobs = std::max(1u, std::thread::hardware_concurrency() / 2);
  bool foreground = false;
  std::string train_program = beside_me("glossa-train");
};

int serve(const Options& o) {
  BackendLog log(o.foreground ? "" : o.log_file);
  RpcDispatch* dispatch = nullptr;
  // The socket (and its lock) first: a second backend must exit before it touches the store.
  SocketServer server(
      ServerOptions{o.socket, 256, SessionLimits{}},
      [&](ClientSession& c, const protocol::Message& m) { return dispatch->handle(c, m); },
      [&](const std::string& line) { log.write(line); });
  const EventSink sink = [&](Event e) { server.publish(std::move(e)); };
  BackendStore store(o.data_dir + "/backend.sqlite");
  if (const int64_t n = store.mark_interrupted_jobs())
    log.write(std::to_string(n) + " job(s) left by an earlier backend marked interrupted");
  JobManager jobs(store, o.max_cpu_jobs, sink);
  RunSupervisor runs(store, RunSupervisorOptions{o.train_program}, sink);
  RpcDispatch handler(jobs, runs, std::string("glossa ") + GLOSSA_VERSION);
  dispatch = &handler;
  g_server = &server;
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  log.write("listening on " + o.socket + " (pid " + std::to_string(::getpid()) + ", store " +
            store.path() + ", " + std::to_string(o.max_cpu_jobs) + " job workers)");
  server.run();
  g_server = nullptr;
  log.write("stopping: cancelling engine jobs; training runs keep running");
  jobs.cancel_all();
  log.write("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"glossa-backend: runs Glossa's jobs and training runs for the workbench"};
  app.add_option("--socket", o.socket, "Unix socket to listen on")->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "Folder of the backend's store (backend.sqlite)")
      ->capture_default_str();
  app.add_option("--max-cpu-jobs", o.max_cpu_jobs, "Engine jobs run at once (others queue)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_flag("--foreground", o.foreground, "Log to stderr instead of the log file");
  app.add_option("--log-file", o.log_file, "Log file (rotated)")->capture_default_str();
  app.add_option("--train-program", o.train_program, "glossa-train to launch runs with")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return serve(o);
  } catch (const std::exception& e) {
    std::cerr << "glossa-backend: " << e.what() << std::endl;
    return 1;
  }
}
