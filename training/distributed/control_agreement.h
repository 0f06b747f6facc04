// Pause / stop / checkpoint-now requests reach one process (rank 0 follows control.json; a
// signal may hit any rank), but every rank must act on them at the same step or the others hang
// in their next collective. Before each step the ranks agree: stop or checkpoint when ANY rank
// was asked, pause while any rank is paused (docs/glossa-train.md, "Data parallel").
// Torch-free header.
#pragma once

namespace glossa {

class ProcessGroup;

struct ControlFlags {
  bool stop = false;        // cancelled: write a checkpoint and end the run
  bool pause = false;       // hold before the next step
  bool checkpoint = false;  // write a checkpoint now
};

// One max all-reduce of three flags over `group` (a collective: every rank calls it at the same
// point); with a null group, `local` itself.
ControlFlags agree_on_control(ProcessGroup* group, const ControlFlags& local);

}  // namespace glossa
