// The public description of a model's architecture, made from the decoder's config.
// Internal to the runtime layer.
#pragma once

#include "model/config.h"
#include "yak/architecture.h"

namespace yak {

Architecture describe_architecture(const model::ModelConfig& config);

}  // namespace yak
