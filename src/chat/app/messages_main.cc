// messages: the FastCGI (or CGI) program behind /api/messages and /api/health.
#include "chat/app/messages_service.h"
#include "chat/app/worker_main.h"

int main(int argc, char** argv) {
  return chat::app::WorkerMain(argc, argv, "messages", 1000, [](const chat::Config& config) {
    return chat::app::MakeHandler<chat::app::MessagesService>(config);
  });
}
