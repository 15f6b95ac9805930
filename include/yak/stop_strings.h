// Stop strings in streamed text: generation ends where the text first contains one of them,
// and text that could still turn out to begin one is held back rather than streamed, so a
// client never receives text that is later retracted. Pieces may split a stop string
// anywhere (across tokens, inside a multi-byte character).
//
//   StopStrings stops({"\nUser:", "</answer>"});
//   for each piece:  auto r = stops.push(piece); send(r.text); if (r.stopped) break;
//   at the end:      send(stops.flush());
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yak {

class StopStrings {
 public:
  // Throws yak::Error for an empty stop string or one that is not valid UTF-8 (a piece of
  // text that is can never end inside a character, so such a stop could cut one).
  explicit StopStrings(std::vector<std::string> stops = {});

  struct Result {
    std::string text;               // safe to stream now
    std::optional<size_t> stopped;  // index of the stop string that ended the text, if any
  };
  // Appends a piece of generated text. Once a stop string has been found, `text` ends just
  // before it (the stop string itself is never returned) and later pushes return nothing.
  Result push(std::string_view piece);
  // What was held back, at the end of generation (nothing once a stop string was found).
  std::string flush();

  bool empty() const { return stops_.empty(); }
  const std::vector<std::string>& stops() const { return stops_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;  // a suffix of the text so far that begins some stop string
  bool done_ = false;
};

}  // namespace yak
