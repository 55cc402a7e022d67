// Rendering of findings: symbolization, lock names, suppressions, text on
// stderr (or log_path) in the sanitizer shape, and the JSON report.
#include "recorder.h"
#include "report.h"

#include <algorithm>
#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace fearless_rt {

static SpinLock g_emit_mu;

// ------------------------------------------------------------- buffers
struct Buf {
  char *p = nullptr;
  size_t n = 0, cap = 0;
  ~Buf() { os_free(p, cap); }
  void reserve(size_t extra) {
    if (n + extra + 1 <= cap) return;
    size_t nc = cap ? cap * 2 : 65536;
    while (nc < n + extra + 1) nc *= 2;
    char *np = static_cast<char *>(os_alloc(nc));
    if (p) memcpy(np, p, n);
    os_free(p, cap);
    p = np;
    cap = nc;
  }
  void put(const char *s, size_t len) {
    reserve(len);
    memcpy(p + n, s, len);
    n += len;
    p[n] = 0;
  }
  void put(const char *s) { put(s, strlen(s)); }
  void printf(const char *fmt, ...) __attribute__((format(printf, 2, 3))) {
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    put(tmp, size_t(k) < sizeof tmp ? size_t(k) : sizeof tmp - 1);
  }
  void json_str(const char *s) {
    if (!s) {
      put("null");
      return;
    }
    put("\"");
    for (; *s; ++s) {
      unsigned char c = static_cast<unsigned char>(*s);
      if (c == '"' || c == '\\') {
        char e[2] = {'\\', char(c)};
        put(e, 2);
      } else if (c < 0x20) {
        printf("\\u%04x", c);
      } else {
        put(reinterpret_cast<const char *>(&c), 1);
      }
    }
    put("\"");
  }
  char *dup() const { return arena_strdup(p ? p : ""); }
};

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += k;
    n -= size_t(k);
  }
}

// Expands %p to the pid.
static void expand_path(const char *pat, char *out, size_t cap) {
  size_t k = 0;
  for (const char *s = pat; *s && k + 24 < cap; ++s) {
    if (s[0] == '%' && s[1] == 'p') {
      k += size_t(snprintf(out + k, cap - k, "%d", int(getpid())));
      ++s;
    } else {
      out[k++] = *s;
    }
  }
  out[k] = 0;
}

// -------------------------------------------------------- symbolization
struct SymFrame {
  const char *func;
  const char *file;
  u32 line;
  SymFrame *next;  // the next (outer) inlined frame at the same pc
};
struct PcInfo {
  uptr pc;
  const char *module;
  uptr off;
  bool own;        // inside the recorder itself
  SymFrame *frames;
};
static AddrMap g_pc_map;
static SegVec<PcInfo, 10> g_pcs;
static uptr g_own_base = 0;

static const char *module_path(const link_map *lm) {
  static char exe[512];
  if (lm && lm->l_name && lm->l_name[0]) return lm->l_name;
  if (!exe[0]) {
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) exe[k] = 0;
    else strcpy(exe, "/proc/self/exe");
  }
  return exe;
}

static PcInfo *pc_info(uptr pc) {
  if (u32 i = g_pc_map.get(pc)) return &g_pcs[i];
  if (g_pcs.size() == 0) g_pcs.push();
  u32 i = g_pcs.push();
  if (i == UINT32_MAX) return nullptr;
  PcInfo *p = &g_pcs[i];
  p->pc = pc;
  Dl_info info;
  link_map *lm = nullptr;
  if (dladdr1(reinterpret_cast<void *>(pc), &info, reinterpret_cast<void **>(&lm),
              RTLD_DL_LINKMAP) && lm) {
    p->module = arena_strdup(module_path(lm));
    p->off = pc - lm->l_addr;
    p->own = uptr(info.dli_fbase) == g_own_base && g_own_base != 0;
    if (info.dli_sname && strncmp(info.dli_sname, "_ZN11fearless_rt", 16) == 0) p->own = true;
  }
  g_pc_map.set(pc, i);
  return p;
}

static const char *g_symbolizer = nullptr;
static bool g_symbolizer_is_llvm = false;

static bool executable_in_path(const char *name, char *out, size_t cap) {
  if (strchr(name, '/')) {
    if (access(name, X_OK) == 0) {
      snprintf(out, cap, "%s", name);
      return true;
    }
    return false;
  }
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *end = strchr(path, ':');
    size_t len = end ? size_t(end - path) : strlen(path);
    snprintf(out, cap, "%.*s/%s", int(len), path, name);
    if (access(out, X_OK) == 0) return true;
    path += len + (end ? 1 : 0);
  }
  return false;
}

static void pick_symbolizer() {
  static char found[512];
  if (g_symbolizer) return;
  const char *cands[] = {g_opt.symbolizer[0] ? g_opt.symbolizer : nullptr,
                         "llvm-symbolizer", "llvm-symbolizer-19", "llvm-symbolizer-18",
                         "llvm-symbolizer-17", "llvm-symbolizer-16", "llvm-symbolizer-15",
                         "llvm-symbolizer-14", "addr2line"};
  for (const char *c : cands) {
    if (!c || !executable_in_path(c, found, sizeof found)) continue;
    g_symbolizer = found;
    g_symbolizer_is_llvm = strstr(found, "addr2line") == nullptr;
    return;
  }
  g_symbolizer = "";
}

// Runs argv with a clean environment (no LD_PRELOAD: the symbolizer must
// not run under the recorder) and returns its stdout.
static bool run_capture(char *const argv[], Buf &out) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  static char *envp[256];
  int k = 0;
  for (char **e = environ; e && *e && k < 255; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) == 0 || strncmp(*e, "FEARLESS_OPTIONS=", 17) == 0)
      continue;
    envp[k++] = *e;
  }
  envp[k] = nullptr;
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return false;
  }
  u64 deadline = now_ns() + 30ull * 1000000000ull;
  char tmp[8192];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    int left = int((deadline - now_ns()) / 1000000);
    if (left <= 0 || poll(&p, 1, left) <= 0) {
      kill(pid, SIGKILL);
      break;
    }
    ssize_t r = read(fds[0], tmp, sizeof tmp);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    out.put(tmp, size_t(r));
  }
  close(fds[0]);
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return true;
}

static SymFrame *make_frame(const char *func, size_t flen, const char *loc, size_t llen) {
  SymFrame *f = static_cast<SymFrame *>(arena_alloc(sizeof(SymFrame)));
  char *fn = static_cast<char *>(arena_alloc(flen + 1));
  memcpy(fn, func, flen);
  fn[flen] = 0;
  f->func = strcmp(fn, "??") == 0 ? nullptr : fn;
  // loc: file:line[:col][ (discriminator N)]
  char tmp[1024];
  size_t n = llen < sizeof tmp - 1 ? llen : sizeof tmp - 1;
  memcpy(tmp, loc, n);
  tmp[n] = 0;
  if (char *d = strstr(tmp, " (discriminator")) *d = 0;
  // Strip up to two trailing :number fields, keep the first as the line.
  u32 nums[2] = {0, 0};
  int got = 0;
  for (int i = 0; i < 2; ++i) {
    char *c = strrchr(tmp, ':');
    if (!c || !c[1] || strspn(c + 1, "0123456789") != strlen(c + 1)) break;
    nums[i] = u32(strtoul(c + 1, nullptr, 10));
    *c = 0;
    ++got;
  }
  u32 line = got == 2 ? nums[1] : nums[0];
  f->line = line;
  f->file = (strcmp(tmp, "??") == 0 || !tmp[0]) ? nullptr : arena_strdup(tmp);
  return f;
}

static void symbolize_module(const char *module, PcInfo **infos, u32 n) {
  pick_symbolizer();
  if (!g_symbolizer[0] || !g_opt.symbolize) return;
  for (u32 base = 0; base < n; base += 200) {
    u32 m = n - base < 200 ? n - base : 200;
    char *argv[220];
    char args[200][24];
    char objarg[600];
    int a = 0;
    argv[a++] = const_cast<char *>(g_symbolizer);
    if (g_symbolizer_is_llvm) {
      snprintf(objarg, sizeof objarg, "--obj=%s", module);
      argv[a++] = objarg;
      argv[a++] = const_cast<char *>("--inlining");
      argv[a++] = const_cast<char *>("--demangle");
    } else {
      argv[a++] = const_cast<char *>("-a");
      argv[a++] = const_cast<char *>("-f");
      argv[a++] = const_cast<char *>("-C");
      argv[a++] = const_cast<char *>("-i");
      argv[a++] = const_cast<char *>("-e");
      argv[a++] = const_cast<char *>(module);
    }
    for (u32 i = 0; i < m; ++i) {
      // Return addresses point after the call: look up the call itself.
      snprintf(args[i], sizeof args[i], "0x%lx", static_cast<unsigned long>(infos[base + i]->off - 1));
      argv[a++] = args[i];
    }
    argv[a] = nullptr;
    Buf out;
    if (!run_capture(argv, out) || !out.p) continue;
    // Split into lines.
    const char *s = out.p;
    const char *end = out.p + out.n;
    int idx = -1;
    SymFrame **tail = nullptr;
    bool expect_addr = !g_symbolizer_is_llvm;
    bool new_group = g_symbolizer_is_llvm;
    while (s < end) {
      const char *nl = static_cast<const char *>(memchr(s, '\n', size_t(end - s)));
      if (!nl) nl = end;
      size_t len = size_t(nl - s);
      if (g_symbolizer_is_llvm) {
        if (len == 0) {
          new_group = true;
          s = nl + 1;
          continue;
        }
        if (new_group) {
          ++idx;
          new_group = false;
          if (idx >= int(m)) break;
          tail = &infos[base + idx]->frames;
        }
      } else if (expect_addr || (len > 2 && s[0] == '0' && s[1] == 'x')) {
        ++idx;
        expect_addr = false;
        if (idx >= int(m)) break;
        tail = &infos[base + idx]->frames;
        s = nl + 1;
        continue;
      }
      // A function line followed by a location line.
      const char *fn = s;
      size_t fnlen = len;
      s = nl + 1;
      if (s >= end) break;
      nl = static_cast<const char *>(memchr(s, '\n', size_t(end - s)));
      if (!nl) nl = end;
      if (tail && idx >= 0) {
        SymFrame *f = make_frame(fn, fnlen, s, size_t(nl - s));
        *tail = f;
        tail = &f->next;
      }
      s = nl + 1;
    }
  }
}

static void symbolize_pcs(const uptr *pcs, u32 n) {
  static PcInfo *todo[4096];
  u32 nt = 0;
  for (u32 i = 0; i < n && nt < 4096; ++i) {
    if (!pcs[i]) continue;
    bool fresh = g_pc_map.get(pcs[i]) == 0;
    PcInfo *p = pc_info(pcs[i]);
    if (fresh && p && p->module && !p->own) todo[nt++] = p;
  }
  // Group by module.
  std::sort(todo, todo + nt, [](PcInfo *a, PcInfo *b) { return strcmp(a->module, b->module) < 0; });
  for (u32 i = 0; i < nt;) {
    u32 j = i;
    while (j < nt && strcmp(todo[j]->module, todo[i]->module) == 0) ++j;
    symbolize_module(todo[i]->module, todo + i, j - i);
    i = j;
  }
}

// ---------------------------------------------------------- data symbols
struct DataSym {
  uptr value, size;
  const char *name;
};
struct ElfSyms {
  const char *path;
  DataSym *syms;
  u32 n;
  ElfSyms *next;
};
static ElfSyms *g_elfs = nullptr;

static ElfSyms *load_elf(const char *path) {
  for (ElfSyms *e = g_elfs; e; e = e->next)
    if (strcmp(e->path, path) == 0) return e;
  ElfSyms *es = static_cast<ElfSyms *>(arena_alloc(sizeof(ElfSyms)));
  es->path = arena_strdup(path);
  es->next = g_elfs;
  g_elfs = es;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return es;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < long(sizeof(Elf64_Ehdr))) {
    close(fd);
    return es;
  }
  void *map = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return es;
  const char *base = static_cast<const char *>(map);
  auto *eh = reinterpret_cast<const Elf64_Ehdr *>(base);
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_shoff == 0 || eh->e_shoff + u64(eh->e_shnum) * sizeof(Elf64_Shdr) > u64(st.st_size))
    return es;
  auto *sh = reinterpret_cast<const Elf64_Shdr *>(base + eh->e_shoff);
  const Elf64_Shdr *symtab = nullptr;
  for (int pass = 0; pass < 2 && !symtab; ++pass)
    for (u32 i = 0; i < eh->e_shnum; ++i)
      if (sh[i].sh_type == (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM)) symtab = &sh[i];
  if (!symtab || symtab->sh_link >= eh->e_shnum) return es;
  const Elf64_Shdr *strtab = &sh[symtab->sh_link];
  auto *syms = reinterpret_cast<const Elf64_Sym *>(base + symtab->sh_offset);
  u32 count = u32(symtab->sh_size / sizeof(Elf64_Sym));
  u32 keep = 0;
  for (u32 i = 0; i < count; ++i)
    if (ELF64_ST_TYPE(syms[i].st_info) == STT_OBJECT && syms[i].st_shndx != SHN_UNDEF) ++keep;
  es->syms = static_cast<DataSym *>(arena_alloc(sizeof(DataSym) * (keep + 1)));
  for (u32 i = 0; i < count; ++i) {
    if (ELF64_ST_TYPE(syms[i].st_info) != STT_OBJECT || syms[i].st_shndx == SHN_UNDEF) continue;
    es->syms[es->n++] = {syms[i].st_value, syms[i].st_size,
                         base + strtab->sh_offset + syms[i].st_name};
  }
  std::sort(es->syms, es->syms + es->n,
            [](const DataSym &a, const DataSym &b) { return a.value < b.value; });
  return es;
}

static const char *demangle(const char *name) {
  // Only mangled names: "a" alone would demangle as the type "signed char".
  if (strncmp(name, "_Z", 2) != 0) return name;
  int status = 0;
  char *d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || !d) return name;
  const char *r = arena_strdup(d);
  free(d);
  return r;
}

// "g_mu", "g_pair+40", or null for heap/stack locks.
static const char *data_symbol(uptr addr) {
  Dl_info info;
  link_map *lm = nullptr;
  if (!dladdr1(reinterpret_cast<void *>(addr), &info, reinterpret_cast<void **>(&lm),
               RTLD_DL_LINKMAP) || !lm)
    return nullptr;
  ElfSyms *es = load_elf(module_path(lm));
  uptr rel = addr - lm->l_addr;
  DataSym *lo = es->syms, *hi = es->syms + es->n;
  DataSym *it = std::upper_bound(lo, hi, rel, [](uptr v, const DataSym &s) { return v < s.value; });
  if (it == lo) return nullptr;
  --it;
  if (rel >= it->value + (it->size ? it->size : 1)) return nullptr;
  const char *nm = demangle(it->name);
  if (rel == it->value) return nm;
  char buf[600];
  snprintf(buf, sizeof buf, "%s+%lu", nm, static_cast<unsigned long>(rel - it->value));
  return arena_strdup(buf);
}

static const char *lock_name(u32 id) {
  Node &n = g_graph->node(id);
  if (n.name) return n.name;
  const char *s = data_symbol(n.addr);
  if (s) n.name = s;  // cache (report path is serialized by g_emit_mu)
  return s;
}

static const char *kind_name(u8 k) {
  switch (k) {
  case kRwlock: return "rwlock";
  case kSpin: return "spinlock";
  case kCustom: return "lock";
  default: return "mutex";
  }
}

// ---------------------------------------------------------- suppressions
struct Supp {
  const char *type;     // "deadlock", "thread-exit"
  const char *pattern;
  Supp *next;
};
static Supp *g_supps = nullptr;

void load_suppressions() {
  if (!g_opt.suppressions[0]) return;
  int fd = open(g_opt.suppressions, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char msg[700];
    int k = snprintf(msg, sizeof msg, "fearless: cannot open suppressions file '%s'\n", g_opt.suppressions);
    write_all(2, msg, size_t(k));
    return;
  }
  Buf b;
  char tmp[4096];
  ssize_t r;
  while ((r = read(fd, tmp, sizeof tmp)) > 0) b.put(tmp, size_t(r));
  close(fd);
  if (!b.p) return;
  char *s = b.dup();
  for (char *line = strtok(s, "\n"); line; line = strtok(nullptr, "\n")) {
    while (*line == ' ' || *line == '\t') ++line;
    size_t len = strlen(line);
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\r' || line[len - 1] == '\t')) line[--len] = 0;
    if (!*line || *line == '#') continue;
    char *colon = strchr(line, ':');
    if (!colon) continue;
    *colon = 0;
    Supp *sp = static_cast<Supp *>(arena_alloc(sizeof(Supp)));
    sp->type = line;
    sp->pattern = colon + 1;
    sp->next = g_supps;
    g_supps = sp;
  }
}

// Glob with '*' and '?', matched anywhere in the text.
static bool glob_at(const char *p, const char *t) {
  if (!*p) return true;  // unanchored at the end
  if (*p == '*') return glob_at(p + 1, t) || (*t && glob_at(p, t + 1));
  if (*p == '$' && !p[1]) return !*t;
  if (!*t) return false;
  if (*p == '?' || *p == *t) return glob_at(p + 1, t + 1);
  return false;
}
static bool glob_match(const char *pattern, const char *text) {
  if (!text) return false;
  if (*pattern == '^') return glob_at(pattern + 1, text);
  for (const char *t = text; *t; ++t)
    if (glob_at(pattern, t)) return true;
  return false;
}

// --------------------------------------------------------------- output
static int g_log_fd = -1;

static int log_fd() {
  if (g_log_fd >= 0) return g_log_fd;
  if (g_opt.log_path[0]) {
    char path[600];
    expand_path(g_opt.log_path, path, sizeof path);
    g_log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  }
  if (g_log_fd < 0) g_log_fd = 2;
  return g_log_fd;
}

static bool is_system_file(const char *f) {
  return !f || strncmp(f, "/usr/include/", 13) == 0 || strncmp(f, "/usr/lib/", 9) == 0 ||
         strstr(f, "/bits/") || strstr(f, "/c++/") || strstr(f, "nptl/");
}

// System libraries are never the program's own code, even when their
// debug information names a source file.
static bool is_system_module(const char *m) {
  return m && (strncmp(m, "/lib/", 5) == 0 || strncmp(m, "/lib64/", 7) == 0 ||
               strncmp(m, "/usr/lib/", 9) == 0);
}

// Collected context of one finding, gathered under the graph lock.
struct EdgeSnap {
  u32 from, to;
  u32 threads[kEdgeThreads];
  u32 nthreads;
  bool more;
  uptr from_pc;
  const Stack *stack;
  const char *context;
};

struct Renderer {
  Buf text, json, summary;
  const Finding *f;
  EdgeSnap edges[kMaxCycle];
  u32 n = 0;
  bool suppressed = false;
  const char *sum_func = nullptr, *sum_file = nullptr;
  u32 sum_line = 0;

  // Iterates frames of a stack, skipping the recorder's own leading frames.
  template <class F> void frames(const uptr *pcs, u32 np, F fn) {
    u32 k = 0;
    bool leading = true;
    for (u32 i = 0; i < np; ++i) {
      PcInfo *p = pc_info(pcs[i]);
      if (!p || p->own) continue;  // the recorder's own frames
      (void)leading;
      if (!p->frames) {
        fn(k++, p, nullptr);
        continue;
      }
      for (SymFrame *s = p->frames; s; s = s->next) fn(k++, p, s);
    }
  }

  void text_stack(const uptr *pcs, u32 np) {
    frames(pcs, np, [&](u32 k, PcInfo *p, SymFrame *s) {
      text.printf("    #%u %s", k, s && s->func ? s->func : "<unknown>");
      if (s && s->file) text.printf(" %s:%u", s->file, s->line);
      text.printf(" (%s+0x%lx)\n", p->module ? p->module : "?", static_cast<unsigned long>(p->off));
    });
  }

  void json_stack(const uptr *pcs, u32 np) {
    json.put("[");
    bool first = true;
    frames(pcs, np, [&](u32, PcInfo *p, SymFrame *s) {
      if (!first) json.put(",");
      first = false;
      json.printf("{\"pc\":\"0x%lx\",\"module\":", static_cast<unsigned long>(p->pc));
      json.json_str(p->module);
      json.printf(",\"offset\":\"0x%lx\",\"function\":", static_cast<unsigned long>(p->off));
      json.json_str(s ? s->func : nullptr);
      json.put(",\"file\":");
      json.json_str(s ? s->file : nullptr);
      json.printf(",\"line\":%u}", s ? s->line : 0);
    });
    json.put("]");
  }

  // First frame in user code: the location of the finding.
  void user_frame(const uptr *pcs, u32 np, const char **func, const char **file, u32 *line) {
    bool done = false;
    frames(pcs, np, [&](u32, PcInfo *p, SymFrame *s) {
      if (done || !s || is_system_file(s->file) || is_system_module(p->module)) return;
      *func = s->func;
      *file = s->file;
      *line = s->line;
      done = true;
    });
  }

  bool supp_match_stack(const char *pat, const uptr *pcs, u32 np) {
    bool hit = false;
    frames(pcs, np, [&](u32, PcInfo *p, SymFrame *s) {
      if (hit) return;
      if (s && (glob_match(pat, s->func) || glob_match(pat, s->file))) hit = true;
      if (glob_match(pat, p->module)) hit = true;
    });
    return hit;
  }

  void lock_label(Buf &b, u32 id) {
    const char *nm = lock_name(id);
    b.printf("M%u", id);
    if (nm) b.printf(" (%s)", nm);
  }

  void json_lock(u32 id) {
    Node &nd = g_graph->node(id);
    json.printf("{\"id\":%u,\"name\":", id);
    json.json_str(lock_name(id));
    json.printf(",\"kind\":\"%s\",\"address\":\"0x%lx\"}", kind_name(nd.kind),
                static_cast<unsigned long>(nd.addr));
  }

  void thread_block(u32 tid, Buf &b) {
    ThreadInfo ti;
    if (!thread_info(tid, &ti)) return;
    if (ti.parent == UINT32_MAX) {
      b.printf("  Thread T%u (tid=%d) is the main thread or was not created through pthread_create.\n\n",
               tid, ti.os_tid);
      return;
    }
    b.printf("  Thread T%u (tid=%d) created by thread T%u at:\n", tid, ti.os_tid, ti.parent);
    if (&b == &text) text_stack(ti.create_pcs, ti.ncreate);
    b.put("\n");
  }
};

static const char *kind_id(u8 k) {
  switch (k) {
  case kFindInversion: return "fearless-rt-lock-order-inversion";
  case kFindSingleThread: return "fearless-rt-lock-order-single-thread";
  case kFindGated: return "fearless-rt-lock-order-gated";
  case kFindThreadExit: return "fearless-rt-thread-exit-holding-lock";
  case kFindDeadlock: return "fearless-rt-deadlock";
  case kFindOrdered: return "fearless-rt-lock-order-ordered";
  default: return "";  // unreachable: findings are only made with the kinds above
  }
}
static const char *kind_short(u8 k) {
  switch (k) {
  case kFindInversion: return "lock-order-inversion";
  case kFindSingleThread: return "lock-order-cycle-single-thread";
  case kFindGated: return "lock-order-cycle-gated";
  case kFindThreadExit: return "thread-exit-holding-lock";
  case kFindDeadlock: return "deadlock";
  case kFindOrdered: return "lock-order-cycle-ordered";
  default: return "";  // unreachable, as in kind_id
  }
}
static const char *wait_kind_text(u8 k) {
  switch (k) {
  case kWaitCond: return " (in a condition variable wait, which must re-acquire it to return)";
  case kWaitCustom: return " (in an annotated lock)";
  default: return "";
  }
}

static const char *wait_kind_id(u8 k) {
  switch (k) {
  case kWaitCond: return "condition_variable";
  case kWaitCustom: return "annotated_lock";
  default: return "lock";
  }
}

static bool is_error(u8 k) { return k == kFindInversion || k == kFindDeadlock; }
static const char *supp_type(u8 k) {
  return k == kFindThreadExit ? "thread-exit" : "deadlock";
}

static void render_cycle(Renderer &r) {
  const Finding *f = r.f;
  Graph &g = *g_graph;
  {
    SpinGuard gg(g.mu);
    r.n = f->n;
    for (u32 i = 0; i < f->n; ++i) {
      const Edge &e = g.edge(f->edges[i]);
      EdgeSnap &s = r.edges[i];
      s.from = e.from;
      s.to = e.to;
      s.nthreads = e.nthreads;
      memcpy(s.threads, e.threads, sizeof s.threads);
      s.more = e.more_threads;
      s.from_pc = e.from_pc;
      s.stack = e.stack;
      s.context = e.context;
    }
  }
  // Symbolize everything the report shows, in one batch per module.
  static uptr pcs[8192];
  u32 np = 0;
  for (u32 i = 0; i < r.n; ++i) {
    const EdgeSnap &s = r.edges[i];
    pcs[np++] = s.from_pc;
    for (u32 k = 0; k < s.stack->n && np < 8000; ++k) pcs[np++] = s.stack->pc[k];
    ThreadInfo ti;
    if (thread_info(s.threads[0], &ti))
      for (u32 k = 0; k < ti.ncreate && np < 8100; ++k) pcs[np++] = ti.create_pcs[k];
  }
  symbolize_pcs(pcs, np);

  // Report in cycle order starting from the lowest node id, so the text
  // does not depend on which edge happened to close the cycle.
  u32 start = 0;
  for (u32 i = 1; i < r.n; ++i)
    if (r.edges[i].from < r.edges[start].from) start = i;

  // Suppressions.
  for (Supp *sp = g_supps; sp && !r.suppressed; sp = sp->next) {
    if (strcmp(sp->type, supp_type(f->kind)) != 0 && strcmp(sp->type, kind_id(f->kind)) != 0) continue;
    for (u32 i = 0; i < r.n && !r.suppressed; ++i) {
      const EdgeSnap &s = r.edges[i];
      if (glob_match(sp->pattern, lock_name(s.from)) || glob_match(sp->pattern, lock_name(s.to)) ||
          r.supp_match_stack(sp->pattern, s.stack->pc, s.stack->n) ||
          r.supp_match_stack(sp->pattern, &s.from_pc, 1))
        r.suppressed = true;
    }
  }

  Buf &t = r.text;
  t.put("==================\n");
  t.printf("WARNING: fearless: %s", kind_short(f->kind));
  if (f->kind == kFindInversion) t.put(" (potential deadlock)");
  else if (f->kind == kFindSingleThread) t.put(" (every edge taken by one thread; not a deadlock between threads)");
  else if (f->kind == kFindGated) t.put(" (every edge taken under a common gate lock; not a deadlock)");
  else if (f->kind == kFindOrdered)
    t.put(" (the edges' threads are ordered by thread creation and join; not a deadlock in this program)");
  t.printf(" (pid=%d)\n", int(getpid()));
  t.put("  Cycle in lock order graph: ");
  for (u32 k = 0; k < r.n; ++k) {
    r.lock_label(t, r.edges[(start + k) % r.n].from);
    t.put(" => ");
  }
  r.lock_label(t, r.edges[start].from);
  t.put("\n");
  if (f->kind == kFindGated) {
    t.put("  Gate lock(s) held across every edge:");
    for (u32 i = 0; i < f->ngates; ++i) {
      t.put(" ");
      r.lock_label(t, f->gates[i]);
    }
    t.put("\n");
  }
  t.put("\n");
  u32 seen_threads[kMaxCycle];
  u32 nseen = 0;
  r.summary.printf("%s:", kind_short(f->kind));
  for (u32 k = 0; k < r.n; ++k) {
    const EdgeSnap &s = r.edges[(start + k) % r.n];
    t.put("  Mutex ");
    r.lock_label(t, s.to);
    t.put(" acquired here while holding mutex ");
    r.lock_label(t, s.from);
    t.printf(" in thread T%u", s.threads[0]);
    if (s.nthreads > 1 || s.more) {
      t.put(" (also taken by");
      for (u32 i = 1; i < s.nthreads; ++i) t.printf(" T%u", s.threads[i]);
      if (s.more) t.put(" and more");
      t.put(")");
    }
    if (s.context) t.printf(" [context: %s]", s.context);
    t.put(":\n");
    r.text_stack(s.stack->pc, s.stack->n);
    t.put("\n  Mutex ");
    r.lock_label(t, s.from);
    t.put(" previously acquired by the same thread here:\n");
    r.text_stack(&s.from_pc, 1);
    t.put("\n");
    r.summary.printf("%s %s => %s", k ? "," : "", lock_name(s.from) ? lock_name(s.from) : "?",
                     lock_name(s.to) ? lock_name(s.to) : "?");
    r.summary.printf(" (T%u", s.threads[0]);
    if (s.context) r.summary.printf(" in %s", s.context);
    r.summary.put(")");
    bool dup = false;
    for (u32 i = 0; i < nseen; ++i)
      if (seen_threads[i] == s.threads[0]) dup = true;
    if (!dup) seen_threads[nseen++] = s.threads[0];
  }
  for (u32 i = 0; i < nseen; ++i) r.thread_block(seen_threads[i], t);
  const EdgeSnap &closing = r.edges[0];
  r.user_frame(closing.stack->pc, closing.stack->n, &r.sum_func, &r.sum_file, &r.sum_line);
  t.printf("SUMMARY: fearless: %s", kind_short(f->kind));
  if (r.sum_file) t.printf(" %s:%u", r.sum_file, r.sum_line);
  if (r.sum_func) t.printf(" in %s", r.sum_func);
  t.put("\n==================\n");

  // JSON.
  Buf &j = r.json;
  j.printf("{\"id\":\"%s\",\"kind\":\"%s\",\"severity\":\"%s\",\"suppressed\":%s,\"message\":",
           kind_id(f->kind), kind_short(f->kind), is_error(f->kind) ? "error" : "warning",
           r.suppressed ? "true" : "false");
  Buf msg;
  msg.printf("%s over %u locks: ", kind_short(f->kind), r.n);
  for (u32 k = 0; k < r.n; ++k) {
    r.lock_label(msg, r.edges[(start + k) % r.n].from);
    msg.put(" => ");
  }
  r.lock_label(msg, r.edges[start].from);
  j.json_str(msg.p);
  j.put(",\"location\":{\"function\":");
  j.json_str(r.sum_func);
  j.put(",\"file\":");
  j.json_str(r.sum_file);
  j.printf(",\"line\":%u},\"locks\":[", r.sum_line);
  for (u32 k = 0; k < r.n; ++k) {
    if (k) j.put(",");
    r.json_lock(r.edges[(start + k) % r.n].from);
  }
  j.put("],\"gates\":[");
  for (u32 i = 0; i < f->ngates; ++i) {
    if (i) j.put(",");
    r.json_lock(f->gates[i]);
  }
  j.put("],\"edges\":[");
  for (u32 k = 0; k < r.n; ++k) {
    const EdgeSnap &s = r.edges[(start + k) % r.n];
    if (k) j.put(",");
    j.printf("{\"from\":%u,\"to\":%u,\"thread\":%u,\"threads\":[", s.from, s.to, s.threads[0]);
    for (u32 i = 0; i < s.nthreads; ++i) j.printf("%s%u", i ? "," : "", s.threads[i]);
    j.printf("],\"more_threads\":%s,\"context\":", s.more ? "true" : "false");
    j.json_str(s.context);
    j.put(",\"from_stack\":");
    r.json_stack(&s.from_pc, 1);
    j.put(",\"to_stack\":");
    r.json_stack(s.stack->pc, s.stack->n);
    j.put("}");
  }
  j.put("],\"threads\":[");
  for (u32 i = 0; i < nseen; ++i) {
    ThreadInfo ti;
    if (i) j.put(",");
    if (!thread_info(seen_threads[i], &ti)) {
      j.printf("{\"id\":%u}", seen_threads[i]);
      continue;
    }
    j.printf("{\"id\":%u,\"os_tid\":%d,\"parent\":", ti.tid, ti.os_tid);
    if (ti.parent == UINT32_MAX) j.put("null");
    else j.printf("%u", ti.parent);
    j.put(",\"created_at\":");
    r.json_stack(ti.create_pcs, ti.ncreate);
    j.put("}");
  }
  j.put("]}");
}

static void render_thread_exit(Renderer &r) {
  const Finding *f = r.f;
  symbolize_pcs(f->lock_pcs, f->nlocks);
  Buf &t = r.text;
  t.put("==================\n");
  t.printf("WARNING: fearless: thread-exit-holding-lock (pid=%d)\n", int(getpid()));
  t.printf("  Thread T%u exited while holding %u lock(s):\n", f->tid, f->nlocks);
  Buf names;
  for (u32 i = 0; i < f->nlocks; ++i) {
    const char *nm = data_symbol(f->lock_addrs[i]);
    for (Supp *sp = g_supps; sp; sp = sp->next)
      if (strcmp(sp->type, "thread-exit") == 0 &&
          (glob_match(sp->pattern, nm) || r.supp_match_stack(sp->pattern, &f->lock_pcs[i], 1)))
        r.suppressed = true;
    t.printf("  Lock at 0x%lx%s%s%s acquired at:\n", static_cast<unsigned long>(f->lock_addrs[i]),
             nm ? " (" : "", nm ? nm : "", nm ? ")" : "");
    r.text_stack(&f->lock_pcs[i], 1);
    if (i == 0) r.user_frame(&f->lock_pcs[i], 1, &r.sum_func, &r.sum_file, &r.sum_line);
  }
  t.printf("SUMMARY: fearless: thread-exit-holding-lock");
  if (r.sum_file) t.printf(" %s:%u", r.sum_file, r.sum_line);
  t.put("\n==================\n");
  r.summary.printf("thread-exit-holding-lock: T%u", f->tid);
  Buf &j = r.json;
  j.printf("{\"id\":\"%s\",\"kind\":\"%s\",\"severity\":\"warning\",\"suppressed\":%s,\"message\":",
           kind_id(f->kind), kind_short(f->kind), r.suppressed ? "true" : "false");
  Buf msg;
  msg.printf("thread T%u exited holding %u lock(s)", f->tid, f->nlocks);
  j.json_str(msg.p);
  j.put(",\"location\":{\"function\":");
  j.json_str(r.sum_func);
  j.put(",\"file\":");
  j.json_str(r.sum_file);
  j.printf(",\"line\":%u},\"thread\":%u,\"held\":[", r.sum_line, f->tid);
  for (u32 i = 0; i < f->nlocks; ++i) {
    if (i) j.put(",");
    j.printf("{\"address\":\"0x%lx\",\"name\":", static_cast<unsigned long>(f->lock_addrs[i]));
    j.json_str(data_symbol(f->lock_addrs[i]));
    j.put(",\"acquired_at\":");
    r.json_stack(&f->lock_pcs[i], 1);
    j.put("}");
  }
  j.put("]}");
}

static void render_deadlock(Renderer &r) {
  const Finding *f = r.f;
  static uptr pcs[8192];
  u32 np = 0;
  for (u32 k = 0; k < f->nlocks; ++k) {
    pcs[np++] = f->lock_pcs[k];
    if (f->wd_stacks[k])
      for (u32 i = 0; i < f->wd_stacks[k]->n && np < 8100; ++i) pcs[np++] = f->wd_stacks[k]->pc[i];
  }
  symbolize_pcs(pcs, np);
  Buf &t = r.text;
  t.put("==================\n");
  t.printf("ERROR: fearless: deadlock (threads blocked for more than %u ms) (pid=%d)\n",
           g_opt.watchdog_ms, int(getpid()));
  t.put("  Wait-for cycle:");
  for (u32 k = 0; k < f->nlocks; ++k)
    t.printf(" T%u -> %s%s%s ->", f->wd_tids[k], "lock ", data_symbol(f->lock_addrs[k]) ? data_symbol(f->lock_addrs[k]) : "", "");
  t.printf(" T%u\n\n", f->wd_tids[0]);
  r.summary.printf("deadlock:");
  for (u32 k = 0; k < f->nlocks; ++k) {
    u32 holder = f->wd_tids[(k + 1) % f->nlocks];
    const char *nm = data_symbol(f->lock_addrs[k]);
    t.printf("  Thread T%u (tid=%d) waits for lock 0x%lx%s%s%s held by thread T%u%s, blocked at:\n",
             f->wd_tids[k], f->wd_os_tids[k], static_cast<unsigned long>(f->lock_addrs[k]),
             nm ? " (" : "", nm ? nm : "", nm ? ")" : "", holder, wait_kind_text(f->wd_kinds[k]));
    if (f->wd_stacks[k]) r.text_stack(f->wd_stacks[k]->pc, f->wd_stacks[k]->n);
    t.printf("  which thread T%u acquired at:\n", holder);
    r.text_stack(&f->lock_pcs[k], 1);
    t.put("\n");
    r.summary.printf(" T%u waits for %s held by T%u;", f->wd_tids[k], nm ? nm : "?", holder);
    if (k == 0 && f->wd_stacks[k])
      r.user_frame(f->wd_stacks[k]->pc, f->wd_stacks[k]->n, &r.sum_func, &r.sum_file, &r.sum_line);
  }
  t.printf("SUMMARY: fearless: deadlock");
  if (r.sum_file) t.printf(" %s:%u", r.sum_file, r.sum_line);
  if (r.sum_func) t.printf(" in %s", r.sum_func);
  t.put("\n==================\n");
  Buf &j = r.json;
  j.printf("{\"id\":\"%s\",\"kind\":\"deadlock\",\"severity\":\"error\",\"suppressed\":false,\"message\":",
           kind_id(f->kind));
  j.json_str(r.summary.p);
  j.put(",\"location\":{\"function\":");
  j.json_str(r.sum_func);
  j.put(",\"file\":");
  j.json_str(r.sum_file);
  j.printf(",\"line\":%u},\"waits\":[", r.sum_line);
  for (u32 k = 0; k < f->nlocks; ++k) {
    if (k) j.put(",");
    j.printf("{\"thread\":%u,\"os_tid\":%d,\"lock\":{\"address\":\"0x%lx\",\"name\":", f->wd_tids[k],
             f->wd_os_tids[k], static_cast<unsigned long>(f->lock_addrs[k]));
    j.json_str(data_symbol(f->lock_addrs[k]));
    j.printf("},\"holder\":%u,\"waiting_in\":\"%s\",\"blocked_at\":", f->wd_tids[(k + 1) % f->nlocks],
             wait_kind_id(f->wd_kinds[k]));
    if (f->wd_stacks[k]) r.json_stack(f->wd_stacks[k]->pc, f->wd_stacks[k]->n);
    else j.put("[]");
    j.put(",\"holder_acquired_at\":");
    r.json_stack(&f->lock_pcs[k], 1);
    j.put("}");
  }
  j.put("]}");
}

void emit_finding(Finding *f) {
  SpinGuard eg(g_emit_mu);
  Renderer r;
  r.f = f;
  if (f->kind == kFindThreadExit) render_thread_exit(r);
  else if (f->kind == kFindDeadlock) render_deadlock(r);
  else render_cycle(r);
  f->suppressed = r.suppressed;
  f->json = r.json.dup();
  f->summary = r.summary.dup();
  if (!r.suppressed) {
    write_all(log_fd(), r.text.p, r.text.n);
    if (is_error(f->kind)) count_error_finding();
  }
  write_json_report();
  if (!r.suppressed && is_error(f->kind) && g_opt.halt_on_error) {
    finish_and_exit(g_opt.exitcode ? g_opt.exitcode : 1);
  }
}

// --------------------------------------------------------------- JSON file
// Frames of each edge's stack kept in the graph section.
static constexpr u32 kGraphSiteFrames = 6;
static void json_graph(Buf &j) {
  Graph &g = *g_graph;
  // Snapshot sizes; slots are never unmapped (a recycled edge slot has
  // from == 0).
  u32 ne, nn, live;
  {
    SpinGuard gg(g.mu);
    ne = g.edge_slots();
    nn = g.node_slots();
    live = g.edge_count();
  }
  const u32 kMaxGraphEdges = 100000;
  j.printf(",\"graph\":{\"truncated\":%s,\"locks\":[", live > kMaxGraphEdges ? "true" : "false");
  {
    // Cut after kMaxGraphEdges live edges.
    u32 seen = 0, e = 1;
    for (; e <= ne && seen < kMaxGraphEdges; ++e)
      if (g.edge(e).from) ++seen;
    ne = e - 1;
  }
  // Only locks that take part in an edge.
  static u8 *used = nullptr;
  static u32 used_cap = 0;
  if (used_cap < nn + 1) {
    os_free(used, used_cap);
    used_cap = nn + 1;
    used = static_cast<u8 *>(os_alloc(used_cap));
  } else {
    memset(used, 0, used_cap);
  }
  for (u32 e = 1; e <= ne; ++e) {
    const Edge &ed = g.edge(e);
    if (!ed.from || ed.from > nn || ed.to > nn) continue;
    used[ed.from] = 1;
    used[ed.to] = 1;
  }
  bool first = true;
  for (u32 id = 1; id <= nn; ++id) {
    if (!used[id]) continue;
    Node &nd = g.node(id);
    PcInfo *site = pc_info(nd.site_pc);
    if (!first) j.put(",");
    first = false;
    j.printf("{\"id\":%u,\"name\":", id);
    j.json_str(ne <= 20000 ? lock_name(id) : nd.name);
    j.printf(",\"kind\":\"%s\",\"address\":\"0x%lx\",\"site\":{\"module\":", kind_name(nd.kind),
             static_cast<unsigned long>(nd.addr));
    j.json_str(site ? site->module : nullptr);
    j.printf(",\"offset\":\"0x%lx\"}}", static_cast<unsigned long>(site ? site->off : 0));
  }
  j.put("],\"edges\":[");
  first = true;
  for (u32 e = 1; e <= ne; ++e) {
    Edge &ed = g.edge(e);
    if (!ed.from) continue;
    if (!first) j.put(",");
    first = false;
    PcInfo *fs = pc_info(ed.from_pc);
    // Where `to` was taken: the innermost frames outside the recorder
    // (unsymbolized; `fearless report` looks for the program's own code).
    PcInfo *ts[kGraphSiteFrames];
    u32 nts = 0;
    for (u32 k = 0; ed.stack && k < ed.stack->n && nts < kGraphSiteFrames; ++k) {
      PcInfo *p = pc_info(ed.stack->pc[k]);
      if (p && !p->own) ts[nts++] = p;
    }
    j.printf("{\"from\":%u,\"to\":%u,\"threads\":[", ed.from, ed.to);
    for (u32 i = 0; i < ed.nthreads; ++i) j.printf("%s%u", i ? "," : "", ed.threads[i]);
    j.printf("],\"modes\":%u,\"context\":", ed.modes);
    j.json_str(ed.context);
    j.put(",\"from_site\":{\"module\":");
    j.json_str(fs ? fs->module : nullptr);
    j.printf(",\"offset\":\"0x%lx\"},\"to_sites\":[", static_cast<unsigned long>(fs ? fs->off : 0));
    for (u32 k = 0; k < nts; ++k) {
      j.put(k ? ",{\"module\":" : "{\"module\":");
      j.json_str(ts[k]->module);
      j.printf(",\"offset\":\"0x%lx\"}", static_cast<unsigned long>(ts[k]->off));
    }
    j.put("]}");
  }
  j.put("]}");
}

void write_json_report() {
  if (!g_opt.report_json[0]) return;
  char path[600];
  expand_path(g_opt.report_json, path, sizeof path);
  Buf j;
  j.printf("{\"format\":\"fearless-runtime-report\",\"version\":1,\"pid\":%d,\"ppid\":%d,\"executable\":",
           int(getpid()), int(getppid()));
  j.json_str(module_path(nullptr));
  j.put(",\"findings\":[");
  bool first = true;
  for (u32 i = g_findings_base; i < g_findings.size(); ++i) {
    Finding &f = g_findings[i];
    if (!f.json) continue;
    if (!first) j.put(",");
    first = false;
    j.put(f.json);
  }
  j.put("]");
  json_graph(j);
  Graph &g = *g_graph;
  j.printf(",\"stats\":{\"locks\":%u,\"edges\":%u,\"destroyed_locks_dropped\":%lu,"
           "\"destroyed_lock_edges_dropped\":%lu,\"searches_truncated\":%lu,\"edges_dropped\":%lu,"
           "\"capacity_exhausted\":%s}}\n",
           g.node_count(), g.edge_count(), static_cast<unsigned long>(g.recycled_nodes()),
           static_cast<unsigned long>(g.recycled_edges), static_cast<unsigned long>(g.searches_truncated),
           static_cast<unsigned long>(edges_dropped()), g.capacity_exhausted ? "true" : "false");
  char tmp[620];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, j.p, j.n);
  close(fd);
  rename(tmp, path);
}

void report_at_exit() {
  SpinGuard eg(g_emit_mu);
  write_json_report();
  Graph &g = *g_graph;
  if (g_opt.verbosity > 0 || g.searches_truncated || edges_dropped() || g.capacity_exhausted) {
    Buf t;
    t.printf("fearless: %u locks, %u lock-order edges, %u findings", g.node_count(), g.edge_count(),
             g_findings.size() - g_findings_base);
    if (g.recycled_nodes())
      t.printf("; %lu destroyed locks and their %lu edges dropped (no cycle can pass through them)",
               static_cast<unsigned long>(g.recycled_nodes()), static_cast<unsigned long>(g.recycled_edges));
    if (g.searches_truncated)
      t.printf("; reduced coverage: %lu cycle searches hit search_budget",
               static_cast<unsigned long>(g.searches_truncated));
    if (edges_dropped() || g.capacity_exhausted)
      t.printf("; reduced coverage: %lu edges dropped at capacity", static_cast<unsigned long>(edges_dropped()));
    t.put("\n");
    write_all(log_fd(), t.p, t.n);
  }
}

// A process that dies by a fatal signal never reaches report_at_exit: the
// orders it saw since its last finding would be lost to `fearless report`,
// and a process without findings would leave no report at all. The
// handler writes the report once (the first fatal signal of any thread),
// unless the crash is inside the recorder itself (its state may be
// half-updated, and its locks held), then lets the signal kill the process
// as it would have: SA_RESETHAND restored the default action, and the
// signal raised again is delivered when the handler returns.
static std::atomic<int> g_crash_flushed{0};
static void crash_flush(int sig) {
  int saved_errno = errno;
  if (!g_crash_flushed.exchange(1)) {
    ThreadState *t = t_self;
    if (t && t->busy) {
      static const char msg[] = "fearless: the program crashed inside the recorder; its JSON report is not updated\n";
      write_all(2, msg, sizeof msg - 1);
    } else {
      // Another thread may be writing a finding: wait for it, for at most
      // two seconds (it may be this thread, interrupted).
      bool got = false;
      for (int i = 0; i < 200 && !(got = g_emit_mu.try_lock()); ++i) usleep(10000);
      if (got) {
        write_json_report();
        g_emit_mu.unlock();
      }
    }
  }
  errno = saved_errno;
  raise(sig);
}

void install_crash_flush() {
  static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  for (int sig : sigs) {
    struct sigaction old;
    // sa_handler and sa_sigaction share storage: anything but SIG_DFL is
    // the program's own handler (or SIG_IGN), which it keeps.
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = crash_flush;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
    sigaction(sig, &sa, nullptr);
  }
}

[[noreturn]] void finish_and_exit(int code) {
  write_json_report();
  fflush(nullptr);
  _exit(code);
}

void report_fork_prepare() { g_emit_mu.lock(); }
void report_fork_parent() { g_emit_mu.unlock(); }
void report_fork_child() {
  g_emit_mu.unlock();
  if (g_log_fd != 2) g_log_fd = -1;  // a %p log path names the child
}

void set_own_base(uptr b) { g_own_base = b; }

int api_finding_summary(unsigned long i, char *buf, unsigned long size) {
  unsigned long k = 0;
  for (u32 x = g_findings_base; x < g_findings.size(); ++x) {
    Finding &f = g_findings[x];
    if (!f.summary || f.suppressed || !is_error(f.kind)) continue;
    if (k++ != i) continue;
    return snprintf(buf, size, "%s", f.summary);
  }
  return -1;
}

int api_flush_report() {
  SpinGuard eg(g_emit_mu);
  write_json_report();
  return 0;
}

} // namespace fearless_rt
