// What a loaded yak::Model holds. Internal to the runtime layer.
#pragma once

#include <memory>

#include "format/gguf_file.h"
#include "model/config.h"
#include "model/weights.h"
#include "yak/engine.h"
#include "yak/tokenizer.h"

namespace yak {

struct Model::Impl {
  gguf::File file;  // owns the mapping every weight view points into
  model::ModelConfig config;
  model::ModelWeights weights;
  std::unique_ptr<Tokenizer> tokenizer;
  ModelInfo info;
};

}  // namespace yak
