#include "backend/rpc_dispatch.h"

#include <unistd.h>

#include "backend/job_manager.h"
#include "backend/run_supervisor.h"
#include "protocol/method_catalog.h"

namespace glossa::backend {

namespace {

// subscribe / unsubscribe: no params means everything.
nlohmann::json change_subscriptions(ClientSession& client, const nlohmann::json& params,
                                    bool add) {
  const bool everything = !params.contains("jobs") && !params.contains("runs");
  client.jobs().apply(everything ? nlohmann::json(true) : params.value("jobs", nlohmann::json(false)), add);
  client.runs().apply(everything ? nlohmann::json(true) : params.value("runs", nlohmann::json(false)), add);
  return {{"subscriptions", {{"jobs", client.jobs().to_json()}, {"runs", client.runs().to_json()}}}};
}

}  // namespace

RpcDispatch::RpcDispatch(JobManager& jobs, RunSupervisor& runs, std::string build)
    : jobs_(jobs), runs_(runs), build_(std::move(build)) {}

nlohmann::json RpcDispatch::handle(ClientSession& client, const protocol::Message& message) {
  const std::string& m = message.method;
  const nlohmann::json& p = message.params;
  protocol::check_request(m, p);
  if (m == "version")
    return {{"protocol", protocol::kProtocolVersion}, {"build", build_}, {"pid", ::getpid()}};
  if (m == "job.submit") return jobs_.submit(p);
  if (m == "job.list") return jobs_.list(p);
  if (m == "job.get") return jobs_.get(p);
  if (m == "job.cancel") return jobs_.cancel(p);
  if (m == "run.start") return runs_.start(p);
  if (m == "run.plan") return runs_.plan(p);
  if (m == "run.pause") return runs_.control(p, "pause");
  if (m == "run.resume") return runs_.control(p, "resume");
  if (m == "run.checkpoint") return runs_.control(p, "checkpoint");
  if (m == "run.stop") return runs_.control(p, "stop");
  if (m == "run.resume_from_checkpoint") return runs_.resume_from_checkpoint(p);
  if (m == "run.list") return runs_.list(p);
  if (m == "run.get") return runs_.get(p);
  if (m == "run.attach") return runs_.attach(p);
  if (m == "metrics.query") return runs_.query_metrics(p);
  if (m == "metrics.series") return runs_.list_series(p);
  if (m == "project.open") return projects_.open(p);
  if (m == "vocab.candidates") return projects_.candidates(p);
  if (m == "vocab.decide") return projects_.decide(p);
  if (m == "vocab.overrides") return projects_.overrides(p);
  if (m == "vocab.preview") return projects_.preview(p);
  if (m == "subscribe") return change_subscriptions(client, p, true);
  if (m == "unsubscribe") return change_subscriptions(client, p, false);
  // In the catalog but not served: a bug, said as one.
  throw protocol::RpcException(protocol::kInternalError, "method " + m + " has no handler");
}

}  // namespace glossa::backend
