// The emulator as a server: Service (service.h) behind cpp-httplib, with
// storage chosen by data_dir, faults in front. In-process API for tests;
// `slsflow emulator` (cli/emulator.cc) is a thin wrapper around it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/base/status.h"
#include "emulator/faults.h"
#include "emulator/service.h"

namespace slsflow::emulator {

struct EmulatorOptions {
  ServiceOptions service;  // service.limits holds the connection bounds too
  std::string listen_host = "127.0.0.1";
  int port = 0;          // 0: pick a free port
  std::string data_dir;  // empty: in memory
  FaultOptions faults;
  std::string admin_token;  // empty: admin endpoint off
  // Both set: serve HTTPS with this PEM certificate (chain) and key.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class EmulatorServer {
 public:
  explicit EmulatorServer(EmulatorOptions options);
  ~EmulatorServer();
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  // Opens storage, binds and starts serving on a background thread.
  Status Start();
  int port() const { return port_; }
  std::string url() const;  // http://HOST:PORT, or https:// with TLS
  // Stops accepting, finishes in-flight requests, closes storage.
  void Stop();

  Service& service() { return *service_; }
  Faults& faults() { return *faults_; }

 private:
  // admin.cc: the fault/clock admin endpoint; nullopt for other requests.
  std::optional<EmuResponse> HandleAdmin(const EmuRequest& req);

  struct Http;
  EmulatorOptions options_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Faults> faults_;
  std::unique_ptr<Http> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace slsflow::emulator
