// Survives a file that shrinks under its memory mapping.
//
// Reading a page of a MAP_SHARED or MAP_PRIVATE file mapping that lies past
// the file's end (someone truncated or rewrote the file in place after it was
// mapped) raises SIGBUS, whose default action kills the process. Yak reads
// model weights straight from their mapping, so without this any `cp` over a
// model in use would kill a server. A process-wide SIGBUS handler looks the
// faulting address up among the watched mappings; if it is in one, it maps
// anonymous zero pages over the rest of that mapping, so the faulting
// instruction is retried and reads zeros, and marks the mapping as faulted.
// The library checks the mark at safe points (after a model loads, around
// every decode) and turns it into a yak::Error naming the file. Faults at
// addresses no watched mapping holds go to the handler that was installed
// before, or to the default action, exactly as without Yak.
//
// This is the engine's one piece of process-wide state, and it has to be: a
// signal disposition belongs to the process, not to a model or a context.
// The handler is installed once, when the first mapping is watched, and
// never removed (removing it could race with a fault on another thread). A
// program that later installs its own SIGBUS handler without chaining to the
// previous one turns the protection off.
#pragma once

#include <cstddef>

namespace yak::mapping_guard {

struct Watch;

// Starts watching [begin, begin + size) (a live read-only mapping); installs
// the handler the first time. The returned handle stays valid until unwatch.
Watch* watch(const void* begin, size_t size);

// Stops watching; call before the range is unmapped. Accepts null.
void unwatch(Watch* watch);

// Whether a read faulted past the file's end, or mark_changed was called.
// Once set it stays set for as long as the range is watched.
bool changed(const Watch* watch);
void mark_changed(Watch* watch);

// How many faults the handler has absorbed in this process (for tests).
size_t faults_absorbed();

}  // namespace yak::mapping_guard
