#include "emulator/server.h"

#include <sys/socket.h>

#include <cctype>
#include <chrono>
#include <cstdio>

#include "core/base/ascii.h"
#include "emulator/conn_stream.h"
#include "emulator/tls_stream.h"

namespace slsflow::emulator {
namespace {

enum class BodyResult { kOk, kTooLarge, kBad };

bool ReadLine(ConnStream& s, std::string* line, size_t max) {
  line->clear();
  char c = 0;
  while (line->size() <= max) {
    if (s.read(&c, 1) != 1) return false;
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    line->push_back(c);
  }
  return false;
}

bool ReadExact(ConnStream& s, size_t n, std::string* out) {
  size_t start = out->size();
  out->resize(start + n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = s.read(out->data() + start + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// Reads the body ourselves (httplib would buffer chunked bodies and
// Content-Encoding output without limit).
BodyResult ReadBody(ConnStream& s, const httplib::Request& req, size_t max, std::string* out) {
  const std::string te = AsciiLowered(req.get_header_value("Transfer-Encoding"));
  if (!te.empty()) {
    if (te.find("chunked") == std::string::npos) return BodyResult::kBad;
    std::string line;
    for (;;) {
      if (!ReadLine(s, &line, 1024)) return BodyResult::kBad;
      size_t size = 0;
      size_t digits = 0;
      for (char c : line) {
        int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                            : -1;
        if (d < 0) break;
        if (++digits > 8) return BodyResult::kBad;
        size = size * 16 + static_cast<size_t>(d);
      }
      if (digits == 0) return BodyResult::kBad;
      if (size == 0) break;
      if (out->size() + size > max) return BodyResult::kTooLarge;
      if (!ReadExact(s, size, out)) return BodyResult::kBad;
      if (!ReadLine(s, &line, 2) || !line.empty()) return BodyResult::kBad;
    }
    for (int i = 0; i < 64; ++i) {  // trailers, up to the empty line
      if (!ReadLine(s, &line, 8192)) return BodyResult::kBad;
      if (line.empty()) return BodyResult::kOk;
    }
    return BodyResult::kBad;
  }
  if (!req.has_header("Content-Length")) return BodyResult::kOk;
  std::string cl = req.get_header_value("Content-Length");
  if (cl.empty() || cl.size() > 19) return BodyResult::kBad;
  uint64_t len = 0;
  for (char c : cl) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return BodyResult::kBad;
    len = len * 10 + static_cast<uint64_t>(c - '0');
  }
  if (len > max) return BodyResult::kTooLarge;
  return ReadExact(s, static_cast<size_t>(len), out) ? BodyResult::kOk : BodyResult::kBad;
}

std::string NewRequestId() {
  static const uint32_t boot = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  static std::atomic<uint64_t> counter{1};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%08X%016llX", boot, static_cast<unsigned long long>(counter.fetch_add(1)));
  return buf;
}

void WriteReply(const EmuResponse& r, const std::string& request_id, httplib::Response& res) {
  res.status = r.status;
  res.set_header("x-log-requestid", request_id);
  res.set_header("Server", "slsflow-emulator");
  for (auto& [k, v] : r.headers) res.set_header(k, v);
  if (!r.body.empty() || !r.content_type.empty()) {
    res.set_content(r.body, r.content_type.empty() ? "application/octet-stream" : r.content_type.c_str());
  }
}

EmuRequest ToEmuRequest(const httplib::Request& req) {
  EmuRequest e;
  e.method = req.method;
  SetTarget(req.target, &e);
  for (auto& [k, v] : req.headers) {
    // httplib adds these pseudo headers itself.
    if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
    e.headers.emplace_back(k, v);
  }
  return e;
}

}  // namespace

struct EmulatorServer::Http {
  explicit Http(ConnLimits limits) : svr(limits) {}
  EmuHttpServer svr;
  std::atomic<bool> listen_returned{false};
};

EmulatorServer::EmulatorServer(EmulatorOptions options) : options_(std::move(options)) {}

EmulatorServer::~EmulatorServer() {
  Stop();
}

std::string EmulatorServer::url() const {
  const char* scheme = options_.tls_cert_file.empty() ? "http://" : "https://";
  return scheme + options_.listen_host + ":" + std::to_string(port_);
}

Status EmulatorServer::Start() {
  // Certificate problems are configuration errors: found before anything
  // is opened or bound.
  std::shared_ptr<TlsContext> tls;
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) {
      return Status::Usage("--tls-cert and --tls-key go together");
    }
    auto loaded = TlsContext::Load(options_.tls_cert_file, options_.tls_key_file);
    if (!loaded.ok()) return loaded.status();
    tls = std::move(loaded).value();
  }
  std::unique_ptr<Storage> storage;
  if (options_.data_dir.empty()) {
    storage = NewMemoryStorage();
  } else {
    auto opened = OpenSqliteStorage(options_.data_dir);
    if (!opened.ok()) return opened.status();
    storage = std::move(opened).value();
  }
  service_ = std::make_unique<Service>(options_.service, std::move(storage));
  SLSFLOW_RETURN_IF_ERROR(service_->Init());
  faults_ = std::make_unique<Faults>(options_.faults);
  service_->set_faults(faults_.get());

  const EmulatorLimits& bounds = options_.service.limits;
  ConnLimits limits;
  limits.read_timeout_ms = bounds.read_timeout_ms;
  limits.write_timeout_ms = bounds.read_timeout_ms;
  limits.keep_alive_idle_ms = bounds.keep_alive_idle_ms;
  limits.request_deadline_ms = bounds.request_deadline_ms;
  limits.request_budget = bounds.MaxRequestBody() + (1u << 20);  // plus headers
  http_ = std::make_unique<Http>(limits);
  auto& svr = http_->svr;
  if (tls) svr.set_tls(std::move(tls));
  size_t max_threads = bounds.max_connections;
  svr.new_task_queue = [max_threads] { return new ElasticPool(4, max_threads); };
  svr.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second emulator
  // silently share a busy port; only SO_REUSEADDR (fast restarts) is wanted.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  svr.set_keep_alive_timeout(bounds.keep_alive_idle_ms / 1000);
  svr.set_keep_alive_max_count(1000000);
  svr.set_payload_max_length(bounds.MaxRequestBody());

  // Everything is handled before httplib's own routing: we read bodies
  // ourselves (bounded), and no regex ever runs on a hostile path.
  svr.set_pre_routing_handler([this](const httplib::Request& hreq, httplib::Response& hres) {
    std::string request_id = NewRequestId();
    EmuRequest req = ToEmuRequest(hreq);
    // httplib would gzip JSON replies for "Accept-Encoding: gzip" (Py
    // sends it on every call); SLS replies are never HTTP-compressed.
    // The request object is httplib's own non-const local.
    const_cast<httplib::Request&>(hreq).headers.erase("Accept-Encoding");
    ConnStream* stream = EmuHttpServer::CurrentStream();
    // PutLogs may send up to max_body_bytes; any other (JSON) body far
    // less, refused before it is read.
    const size_t body_limit = service_->BodyLimit(req);
    BodyResult body = stream ? ReadBody(*stream, hreq, body_limit, &req.body) : BodyResult::kBad;
    if (body != BodyResult::kOk) {
      EmuHttpServer::CloseAfterReply();
      EmuResponse r =
          body == BodyResult::kTooLarge
              ? ErrorResponse(413, "PostBodyTooLarge", "body size must be less than " + std::to_string(body_limit))
              : ErrorResponse(400, "PostBodyInvalid", "the request body could not be read");
      WriteReply(r, request_id, hres);
      return httplib::Server::HandlerResponse::Handled;
    }
    EmuResponse r;
    if (auto admin = HandleAdmin(req)) {
      r = std::move(*admin);
    } else {
      FaultDraw draw = faults_->Draw();
      if (draw.error == FaultKind::k500) {
        r = ErrorResponse(500, "InternalServerError", "injected fault");
      } else if (draw.error == FaultKind::k503) {
        r = ErrorResponse(503, "ServerBusy", "injected fault");
      } else if (draw.error == FaultKind::k502) {
        r.status = 502;
        r.content_type = "text/html";
        r.body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
      } else {
        r = service_->Handle(req);
      }
      if (draw.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(draw.delay_ms));
      if (draw.reset) EmuHttpServer::ResetCurrentConnection();
    }
    // Real SLS dates every reply; clients resync a skewed clock from it.
    r.headers.emplace_back("Date", HttpDate(service_->NowMicros() / 1000000));
    WriteReply(r, request_id, hres);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Failures httplib answers itself (malformed request line, URI too long).
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const char* code = res.status == 413   ? "PostBodyTooLarge"
                       : res.status == 414 ? "ParameterInvalid"
                       : res.status >= 500 ? "InternalServerError"
                                           : "BadRequest";
    WriteReply(ErrorResponse(res.status, code, "malformed HTTP request"), NewRequestId(), res);
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    WriteReply(ErrorResponse(500, "InternalServerError", "unexpected error"), NewRequestId(), res);
  });

  if (options_.port == 0) {
    port_ = svr.bind_to_any_port(options_.listen_host);
    if (port_ <= 0) return Status::IO("cannot bind " + options_.listen_host + ": no free port");
  } else {
    if (!svr.bind_to_port(options_.listen_host, options_.port)) {
      return Status::IO("cannot listen on " + options_.listen_host + ":" + std::to_string(options_.port) +
                        ": address in use or not available; pick another --listen port (0 = any free port)");
    }
    port_ = options_.port;
  }
  thread_ = std::thread([this] {
    http_->svr.listen_after_bind();
    http_->listen_returned = true;
  });
  // httplib's stop() is a no-op until the accept loop has marked itself
  // running: a Stop() right after Start() (a signal during start-up) would
  // otherwise leave the accept thread, and our join, waiting forever.
  while (!http_->svr.is_running() && !http_->listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::OK();
}

void EmulatorServer::Stop() {
  if (http_) http_->svr.stop();
  if (thread_.joinable()) thread_.join();
  http_.reset();
}

}  // namespace slsflow::emulator
