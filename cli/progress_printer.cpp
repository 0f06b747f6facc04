#include "cli/progress_printer.h"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

namespace glossa::cli {

namespace {

std::shared_ptr<JobControl> g_running;  // the job SIGINT / SIGTERM cancel

extern "C" void on_interrupt(int) {
  if (g_running) g_running->cancel();  // an atomic store and a write(2): async-signal-safe
}

std::string duration_words(double seconds) {
  char text[48];
  if (seconds < 90) {
    std::snprintf(text, sizeof text, "%.0f s", seconds);
  } else if (seconds < 90 * 60) {
    std::snprintf(text, sizeof text, "%.0f min", seconds / 60);
  } else {
    std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  }
  return text;
}

}  // namespace

std::string progress_line(const std::string& label, const JobProgress& p) {
  std::string line = "[" + label + "]";
  if (p.fraction >= 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, " %5.1f%%", 100.0 * p.fraction);
    line += percent;
  }
  if (!p.phase.empty() && p.phase != p.message) line += " " + p.phase + ":";
  if (!p.message.empty()) line += " " + p.message;
  if (p.eta_seconds >= 5) line += ", about " + duration_words(p.eta_seconds) + " left";
  return line;
}

JobControl make_cli_job(const std::string& label, bool quiet) {
  JobControl::ProgressFn progress;
  if (!quiet)
    progress = [label](const JobProgress& p) {
      std::fprintf(stderr, "%s\n", progress_line(label, p).c_str());
    };
  const auto warning = [](const JobWarning& w) {
    const std::string where = w.where.empty() ? "" : w.where + ": ";
    std::fprintf(stderr, "glossa-cli: warning: %s%s\n", where.c_str(), w.message.c_str());
  };
  g_running = std::make_shared<JobControl>(progress, warning);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  return *g_running;  // copies share the cancellation
}

void print_result(bool json, const nlohmann::json& result, const std::string& human) {
  if (json || human.empty()) {
    std::cout << result.dump(2) << std::endl;
  } else {
    std::cout << human;
    if (human.back() != '\n') std::cout << '\n';
  }
}

}  // namespace glossa::cli
