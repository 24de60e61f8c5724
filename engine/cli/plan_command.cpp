#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <ostream>

#include "engine/cli/commands.h"
#include "engine/plan/job.h"
#include "engine/plan/plan_report.h"

namespace hrsync {

int run_plan(const PlanCommand& cmd, std::ostream& out, std::ostream& err) {
  auto job = prepare_job(cmd.config, PlanOptions{cmd.full, cmd.only}, /*create_store=*/false);
  if (!job) {
    err << "hrsync plan: " << job.error().str() << "\n";
    return exit_code_for(job.error());
  }
  PlanRenderOptions render;
  render.color = &out == &std::cout && isatty(STDOUT_FILENO) != 0;
  if (cmd.json) {
    out << render_plan_json(job->plan, render);
  } else {
    out << "Plan for " << cmd.config << " (no call is made)\n\n" << render_plan_text(job->plan, render);
  }
  return job->plan.gates.empty() ? kExitOk : kExitGate;
}

}  // namespace hrsync
