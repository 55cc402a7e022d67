// A thread-per-connection TCP server on loopback. Every handler bumps a
// shared hit counter without a lock: two connections served at once race.
#include <arpa/inet.h>
#include <cstdio>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>
#include <vector>

constexpr int Clients = 8;

long hits = 0; // shared by every handler thread

void handle(int fd) {
  char buf[64];
  if (read(fd, buf, sizeof buf) > 0) {
    hits++; // expect: fearless-data-race data race on 'hits': written by thread 'handle' while another instance of thread 'handle' writes it
    const char reply[] = "ok\n";
    (void)!write(fd, reply, sizeof reply - 1);
  }
  close(fd);
}

void serve(int listener) {
  std::vector<std::thread> handlers;
  for (int i = 0; i < Clients; ++i) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0)
      break;
    handlers.emplace_back(handle, fd);
  }
  for (std::thread &h : handlers)
    h.join();
}

int main() {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0; // any free port
  socklen_t len = sizeof addr;
  timeval timeout{5, 0}; // never hang a test run
  setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
      listen(listener, Clients) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
    std::perror("listen");
    return 2;
  }
  std::thread server(serve, listener);
  std::vector<std::thread> clients;
  for (int i = 0; i < Clients; ++i)
    clients.emplace_back([addr] {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0) {
        (void)!write(fd, "GET\n", 4);
        char buf[8];
        (void)!read(fd, buf, sizeof buf);
      }
      close(fd);
    });
  for (std::thread &c : clients)
    c.join();
  server.join();
  close(listener);
  std::printf("hits = %ld of %d\n", hits, Clients);
  return 0;
}
