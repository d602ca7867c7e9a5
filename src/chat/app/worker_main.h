// The shared main() of the two FastCGI programs: command line, configuration
// from the environment and the token keys (invalid: one line, exit 2), the driver's one-time
// initialisation, and the worker loop.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "chat/app/worker_context.h"
#include "chat/web/worker.h"

namespace chat::app {

using HandlerFactory = std::function<web::Handler(const WorkerContext& context)>;

int WorkerMain(int argc, char** argv, const char* program, metrics::Pool pool,
               int default_max_requests, const HandlerFactory& make_handler);

// Wraps a service with a Serve(Exchange&) method into a handler that owns it.
template <typename Service>
web::Handler MakeHandler(const WorkerContext& context) {
  auto service = std::make_shared<Service>(context);
  return [service](web::Exchange& exchange) { service->Serve(exchange); };
}

}  // namespace chat::app
