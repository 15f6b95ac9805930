// Internal invariants: YAK_CHECK stays on in release builds. A failed check is a bug in
// Yak, never the user's doing; user-caused failures throw yak::Error (yak/error.h).
#pragma once

#include "yak/error.h"

// An invariant that must hold whatever the input; violating it is a bug in Yak.
#define YAK_CHECK(cond)                                                                  \
  do {                                                                                   \
    if (!(cond)) ::yak::fail("internal error: {} failed at {}:{}", #cond, __FILE__, __LINE__); \
  } while (0)
