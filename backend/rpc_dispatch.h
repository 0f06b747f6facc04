// The backend's methods (docs/protocol.md): every request is checked against the protocol's
// catalog (unknown method, missing / unknown / mistyped parameter: standard JSON-RPC errors naming
// the field) and routed to the job manager, the run supervisor, the project service or the
// client's subscriptions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backend/client_session.h"
#include "backend/project_service.h"
#include "protocol/rpc_message.h"

namespace glossa::backend {

class JobManager;
class RunSupervisor;

class RpcDispatch {
 public:
  RpcDispatch(JobManager& jobs, RunSupervisor& runs, std::string build);

  // The result of one request; throws protocol::RpcException.
  nlohmann::json handle(ClientSession& client, const protocol::Message& message);

 private:
  JobManager& jobs_;
  RunSupervisor& runs_;
  std::string build_;
  ProjectService projects_;
};

}  // namespace glossa::backend
