#include "Harness.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace rt_test {

static const Json kNull;

const Json &Json::operator[](const std::string &k) const {
  if (kind != Obj) return kNull;
  auto it = obj.find(k);
  return it == obj.end() ? kNull : it->second;
}
const Json &Json::operator[](size_t i) const {
  return kind == Arr && i < arr.size() ? arr[i] : kNull;
}

namespace {
struct Parser {
  const std::string &s;
  size_t i = 0;
  std::string err;
  void ws() {
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool lit(const char *w) {
    size_t n = strlen(w);
    if (s.compare(i, n, w) != 0) return false;
    i += n;
    return true;
  }
  bool str(std::string &out) {
    if (s[i] != '"') return false;
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        ++i;
        char c = s[i++];
        switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'u': out += char(std::stoi(s.substr(i, 4), nullptr, 16)); i += 4; break;
        default: out += c;
        }
      } else {
        out += s[i++];
      }
    }
    ++i;
    return true;
  }
  bool value(Json &v) {
    ws();
    if (i >= s.size()) return false;
    char c = s[i];
    if (c == '{') {
      v.kind = Json::Obj;
      ++i;
      ws();
      if (s[i] == '}') return ++i, true;
      for (;;) {
        ws();
        std::string k;
        if (!str(k)) return false;
        ws();
        if (s[i++] != ':') return false;
        if (!value(v.obj[k])) return false;
        ws();
        if (s[i] == ',') { ++i; continue; }
        if (s[i] == '}') return ++i, true;
        return false;
      }
    }
    if (c == '[') {
      v.kind = Json::Arr;
      ++i;
      ws();
      if (s[i] == ']') return ++i, true;
      for (;;) {
        v.arr.emplace_back();
        if (!value(v.arr.back())) return false;
        ws();
        if (s[i] == ',') { ++i; continue; }
        if (s[i] == ']') return ++i, true;
        return false;
      }
    }
    if (c == '"') {
      v.kind = Json::Str;
      return str(v.str);
    }
    if (lit("true")) { v.kind = Json::Bool; v.b = true; return true; }
    if (lit("false")) { v.kind = Json::Bool; return true; }
    if (lit("null")) return true;
    char *end = nullptr;
    v.num = strtod(s.c_str() + i, &end);
    if (end == s.c_str() + i) return false;
    v.kind = Json::Num;
    i = size_t(end - s.c_str());
    return true;
  }
};
} // namespace

bool Json::parse(const std::string &text, Json &out, std::string &err) {
  Parser p{text};
  if (!p.value(out)) {
    err = "JSON parse error near offset " + std::to_string(p.i);
    return false;
  }
  return true;
}

std::string read_file(const std::string &path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> list_dir(const std::string &dir) {
  std::vector<std::string> out;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
    closedir(d);
  }
  return out;
}

std::string scratch_dir(const std::string &name) {
  std::string d = std::string(FEARLESS_TEST_SCRATCH) + "/" + name;
  std::string cmd = "rm -rf '" + d + "' && mkdir -p '" + d + "'";
  if (system(cmd.c_str()) != 0) abort();
  return d;
}

int marker_line(const std::string &file, const std::string &marker) {
  std::ifstream f(file);
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    size_t at = line.find("// @" + marker);
    if (at != std::string::npos) {
      size_t end = at + 4 + marker.size();
      if (end == line.size() || !isalnum(static_cast<unsigned char>(line[end])) && line[end] != '_')
        return n;
    }
  }
  return -1;
}

size_t count_of(const std::string &h, const std::string &n) {
  size_t c = 0;
  for (size_t p = h.find(n); p != std::string::npos; p = h.find(n, p + n.size())) ++c;
  return c;
}

RunResult run(const RunSpec &spec) {
  RunResult r;
  std::string dir = scratch_dir("run-" + std::to_string(getpid()) + "-" +
                                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  std::vector<std::string> env;
  for (char **e = environ; *e; ++e) {
    if (!strncmp(*e, "LD_PRELOAD=", 11) || !strncmp(*e, "FEARLESS_OPTIONS=", 17)) continue;
    env.push_back(*e);
  }
  if (spec.preload) env.push_back(std::string("LD_PRELOAD=") + FEARLESS_RT_LIB);
  for (auto &e : spec.env) env.push_back(e);
  std::vector<char *> argv, envp;
  for (auto &a : spec.argv) argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  for (auto &e : env) envp.push_back(const_cast<char *>(e.c_str()));
  envp.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // so the timeout kills forked grandchildren too
    int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int st = 0;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (el > spec.timeout_s) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.exit_code = (!r.timed_out && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
  r.term_signal = (!r.timed_out && WIFSIGNALED(st)) ? WTERMSIG(st) : 0;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

} // namespace rt_test
