// nginx as a child process in a directory of its own: certificates made with
// the openssl CLI, a generated nginx.conf, readiness checked by connecting to
// each port.
#include "tests/support/nginx_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/redis_server.h"

namespace crawlbox::testing {

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kOpenssl = "/usr/bin/openssl";

// Runs openssl with `args`; the error names the step when it fails.
config::Status Openssl(const std::vector<std::string>& args,
                       const std::string& step) {
  std::vector<std::string> argv = {kOpenssl};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = RunProcess(argv, {}, 30'000);
  if (result.exit_code != 0) {
    return config::Status::Unavailable("openssl could not " + step + ": " +
                                       result.err);
  }
  return config::Status::Ok();
}

// A CA (ca.pem, ca.key) and a server certificate it signs for 127.0.0.1 and
// localhost (server.pem, server.key), in `dir`. P-256 keys: quick to make.
config::Status MakeCertificates(const std::string& dir) {
  const std::vector<std::string> ec = {
      "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  std::vector<std::string> ca = {"req", "-x509"};
  ca.insert(ca.end(), ec.begin(), ec.end());
  ca.insert(ca.end(), {"-keyout", dir + "/ca.key", "-out", dir + "/ca.pem",
                       "-days", "2", "-subj", "/CN=crawlbox test CA", "-addext",
                       "basicConstraints=critical,CA:TRUE", "-addext",
                       "keyUsage=critical,keyCertSign,cRLSign"});
  config::Status st = Openssl(ca, "make the CA");
  if (!st.ok()) return st;
  std::vector<std::string> csr = {"req"};
  csr.insert(csr.end(), ec.begin(), ec.end());
  csr.insert(csr.end(), {"-keyout", dir + "/server.key", "-out",
                         dir + "/server.csr", "-subj", "/CN=localhost"});
  st = Openssl(csr, "make the server key");
  if (!st.ok()) return st;
  {
    std::ofstream ext(dir + "/server.ext");
    ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
           "basicConstraints=CA:FALSE\n"
           "extendedKeyUsage=serverAuth\n";
  }
  return Openssl(
      {"x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.pem",
       "-CAkey", dir + "/ca.key", "-CAcreateserial", "-out",
       dir + "/server.pem", "-days", "2", "-extfile", dir + "/server.ext"},
      "sign the server certificate");
}

std::string Config(const std::string& dir, const std::string& docroot,
                   const std::vector<int>& ports,
                   const std::vector<NginxListener>& servers) {
  std::ostringstream out;
  // One worker: $connection numbers are then unique across the log.
  out << "worker_processes 1;\n"
         "daemon off;\n"
         "pid "
      << dir << "/nginx.pid;\n"
      << "error_log " << dir << "/error.log warn;\n"
      << "events { worker_connections 1024; }\n"
         "http {\n"
         "  log_format crawlbox '$connection $connection_requests $msec "
         "$server_protocol $status $request_uri';\n"
         "  default_type text/html;\n"
         "  types { text/html html; text/plain txt; }\n"
         "  keepalive_timeout 75s;\n"
         "  ssl_certificate "
      << dir << "/server.pem;\n"
      << "  ssl_certificate_key " << dir << "/server.key;\n"
      << "  client_body_temp_path " << dir << "/temp/client_body;\n"
      << "  proxy_temp_path " << dir << "/temp/proxy;\n"
      << "  fastcgi_temp_path " << dir << "/temp/fastcgi;\n"
      << "  uwsgi_temp_path " << dir << "/temp/uwsgi;\n"
      << "  scgi_temp_path " << dir << "/temp/scgi;\n";
  for (size_t i = 0; i < ports.size(); ++i) {
    out << "  server {\n"
        << "    listen 127.0.0.1:" << ports[i]
        << (servers[i].http2 ? " ssl http2;\n" : " ssl;\n")
        << "    keepalive_requests " << servers[i].keepalive_requests << ";\n"
        << "    access_log " << dir << "/access-" << i << ".log crawlbox;\n"
        << "    root " << docroot << ";\n"
        << "  }\n";
  }
  out << "}\n";
  return out.str();
}

bool Listens(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// True once the process has exited (a zombie until ChildProcess reaps it).
bool Exited(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ||
         text[paren + 2] == 'Z';
}

}  // namespace

std::string NginxUnavailableReason() {
  if (access(kNginx, X_OK) != 0)
    return "nginx is not installed (Debian package nginx-light or nginx)";
  if (access(kOpenssl, X_OK) != 0)
    return "openssl is not installed (Debian package openssl)";
  return "";
}

config::Result<std::unique_ptr<NginxServer>> NginxServer::Start(
    const NginxOptions& options, const std::string& dir) {
  if (std::string reason = NginxUnavailableReason(); !reason.empty())
    return config::Status::NotFound(reason);
  std::unique_ptr<NginxServer> server(new NginxServer());
  server->dir_ = dir;
  server->ca_file_ = dir + "/ca.pem";
  config::Status st = MakeCertificates(dir);
  if (!st.ok()) return st;
  std::filesystem::create_directories(dir + "/temp");
  // A worker started by root runs as nobody: it must be able to reach the
  // site through the test's private (0700) temp directories. Only those,
  // below the system's temp directory, are opened up.
  namespace fs = std::filesystem;
  const std::string temp = fs::temp_directory_path().string() + "/";
  for (fs::path p = options.docroot; p.string().starts_with(temp);
       p = p.parent_path()) {
    std::error_code ignored;
    fs::permissions(p,
                    fs::perms::owner_all | fs::perms::group_read |
                        fs::perms::group_exec | fs::perms::others_read |
                        fs::perms::others_exec,
                    ignored);
  }
  // A port is free when picked but could be taken before nginx binds it: then
  // nginx exits and other ports are tried.
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::vector<int> ports;
    for (size_t i = 0; i < options.servers.size(); ++i)
      ports.push_back(FreeLoopbackPort());
    {
      std::ofstream conf(dir + "/nginx.conf");
      conf << Config(dir, options.docroot, ports, options.servers);
    }
    // -e: the error log before nginx.conf is read, instead of /var/log/nginx.
    server->process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kNginx, "-p", dir, "-c", dir + "/nginx.conf",
                                 "-e", dir + "/error.log"},
        std::map<std::string, std::string>{}, dir);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    size_t listening = 0;
    while (std::chrono::steady_clock::now() < deadline &&
           !Exited(server->process_->pid())) {
      while (listening < ports.size() && Listens(ports[listening])) ++listening;
      if (listening == ports.size()) {
        server->ports_ = std::move(ports);
        return server;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    server->process_.reset();
  }
  std::ifstream log(dir + "/error.log");
  std::stringstream text;
  text << log.rdbuf();
  return config::Status::Unavailable("nginx did not start: " + text.str());
}

NginxServer::~NginxServer() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  process_->Wait(10'000);
}

std::string NginxServer::Url(size_t server, const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(ports_.at(server)) + path;
}

std::vector<AccessEntry> NginxServer::AccessLog(size_t server) const {
  std::vector<AccessEntry> entries;
  std::ifstream log(dir_ + "/access-" + std::to_string(server) + ".log");
  std::string line;
  while (std::getline(log, line)) {
    std::istringstream fields(line);
    AccessEntry e;
    if (fields >> e.connection >> e.connection_requests >> e.msec >>
        e.protocol >> e.status >> e.uri) {
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

}  // namespace crawlbox::testing
