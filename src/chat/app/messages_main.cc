// messages: the FastCGI (or CGI) program behind /api/messages and /api/health.
#include "chat/app/messages_service.h"
#include "chat/app/worker_main.h"

int main(int argc, char** argv) {
  return chat::app::WorkerMain(argc, argv, "messages", chat::metrics::Pool::kMessages, 1000,
                               [](const chat::app::WorkerContext& context) {
                                 return chat::app::MakeHandler<chat::app::MessagesService>(context);
                               });
}
