// stream-messages: the FastCGI (or CGI) program behind GET /api/stream-messages.

#include "chat/app/stream_service.h"
#include "chat/app/worker_main.h"

int main(int argc, char** argv) {
  return chat::app::WorkerMain(argc, argv, "stream-messages", 1, [](const chat::Config& config) {
    return chat::app::MakeHandler<chat::app::StreamService>(config);
  });
}
