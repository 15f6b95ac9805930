// A model file's size, parameters, bits per weight, file type and family, read from its
// GGUF header without loading the model.
#pragma once

#include <string>
#include <string_view>

#include "eval/report/report_data.h"

namespace yak::eval::report {

// Throws yak::Error naming the path when the file is missing or not valid GGUF.
ModelFacts read_model_facts(const std::string& path);

// llama.cpp's name of a general.file_type value ("Q4_K_M"); "type <n>" for others.
std::string file_type_name(uint32_t id);

// "SmolLM2-135M-Instruct.Q4_1" -> "SmolLM2-135M-Instruct": the stem without a trailing
// quantization name (F16, BF16, F32, Q8_0, Q4_K_M, IQ4_XS, ...) after '.', '-' or '_'.
std::string family_of(std::string_view stem);

}  // namespace yak::eval::report
