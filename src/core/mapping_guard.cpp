#include "core/mapping_guard.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>

namespace yak::mapping_guard {

// The registry is a list of nodes that are never freed, only reused, so the
// signal handler can walk it without locks while other threads watch and
// unwatch: a node's `next` never changes once the node is published, and a
// range is published by writing `end` before `begin` (and withdrawn by
// clearing `begin` first), so a reader that sees a nonzero begin sees the end
// written with it. The list is as long as the most mappings ever live at once.
struct Watch {
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<bool> changed{false};
  std::atomic<bool> in_use{false};
  Watch* next = nullptr;
};

namespace {

std::atomic<Watch*> g_head{nullptr};
std::atomic<size_t> g_faults{0};
// Written once, before the handler is installed; only read afterwards.
struct sigaction g_previous {};
uintptr_t g_page_size = 4096;
std::once_flag g_installed;

bool is_default_or_ignore(const struct sigaction& sa) {
  if ((sa.sa_flags & SA_SIGINFO) != 0) {
    const auto fn = reinterpret_cast<void*>(sa.sa_sigaction);
    return fn == reinterpret_cast<void*>(SIG_DFL) || fn == reinterpret_cast<void*>(SIG_IGN);
  }
  return sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN;
}

// What would have happened without Yak. A fault cannot be ignored (the
// instruction would fault for ever), so SIG_IGN is treated as SIG_DFL for
// faults, as the kernel itself does.
void forward(int sig, siginfo_t* info, void* context) {
  if (!is_default_or_ignore(g_previous)) {
    if ((g_previous.sa_flags & SA_SIGINFO) != 0)
      g_previous.sa_sigaction(sig, info, context);
    else
      g_previous.sa_handler(sig);
    return;
  }
  const bool sent = info->si_code <= 0;  // by kill() or sigqueue(), not by a fault
  if (sent && (g_previous.sa_flags & SA_SIGINFO) == 0 && g_previous.sa_handler == SIG_IGN) return;
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  // A fault repeats when the handler returns and now takes the default
  // action; a sent signal must be sent again (it is delivered on return).
  if (sent) ::raise(sig);
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (info->si_code > 0) {
    for (Watch* w = g_head.load(std::memory_order_acquire); w != nullptr; w = w->next) {
      const uintptr_t begin = w->begin.load(std::memory_order_acquire);
      if (begin == 0 || addr < begin) continue;
      const uintptr_t end = w->end.load(std::memory_order_acquire);
      if (addr >= end || w->begin.load(std::memory_order_acquire) != begin) continue;
      // Every page from the faulting one to the end of the mapping: a file
      // that shrank lost all of them, and one mmap spares a signal per page.
      const uintptr_t first = addr & ~(g_page_size - 1);
      const uintptr_t last = (end + g_page_size - 1) & ~(g_page_size - 1);
      void* p = ::mmap(reinterpret_cast<void*>(first), last - first, PROT_READ,
                       MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) {
        w->changed.store(true, std::memory_order_release);
        g_faults.fetch_add(1, std::memory_order_relaxed);
        errno = saved_errno;
        return;
      }
      break;  // cannot repair: die as the process would have without Yak
    }
  }
  forward(sig, info, context);
  errno = saved_errno;
}

void install() {
  g_page_size = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (::sigaction(SIGBUS, nullptr, &g_previous) != 0) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sigemptyset(&sa.sa_mask);
  // SA_ONSTACK: a thread with an alternate signal stack keeps using it.
  sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  ::sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace

Watch* watch(const void* begin, size_t size) {
  std::call_once(g_installed, install);
  Watch* w = nullptr;
  for (Watch* n = g_head.load(std::memory_order_acquire); n != nullptr && w == nullptr;
       n = n->next) {
    bool expected = false;
    if (n->in_use.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) w = n;
  }
  if (w == nullptr) {
    w = new Watch;  // never freed: the handler may be reading the list at any time
    w->in_use.store(true, std::memory_order_relaxed);
    Watch* head = g_head.load(std::memory_order_acquire);
    do {
      w->next = head;
    } while (!g_head.compare_exchange_weak(head, w, std::memory_order_acq_rel));
  }
  const auto b = reinterpret_cast<uintptr_t>(begin);
  w->changed.store(false, std::memory_order_relaxed);
  w->end.store(b + size, std::memory_order_release);
  w->begin.store(b, std::memory_order_release);
  return w;
}

void unwatch(Watch* w) {
  if (w == nullptr) return;
  w->begin.store(0, std::memory_order_release);
  w->end.store(0, std::memory_order_release);
  w->in_use.store(false, std::memory_order_release);
}

bool changed(const Watch* w) { return w != nullptr && w->changed.load(std::memory_order_acquire); }

void mark_changed(Watch* w) {
  if (w != nullptr) w->changed.store(true, std::memory_order_release);
}

size_t faults_absorbed() { return g_faults.load(std::memory_order_relaxed); }

}  // namespace yak::mapping_guard
