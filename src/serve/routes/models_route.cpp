#include "serve/routes/models_route.h"

namespace yak::serve {

Json models_response(const std::string& model_name, int64_t created, int32_t max_model_len) {
  Json model = Json::object();
  model["id"] = model_name;
  model["object"] = "model";
  model["created"] = created;
  model["owned_by"] = "yak";
  model["max_model_len"] = max_model_len;
  Json out = Json::object();
  out["object"] = "list";
  out["data"] = Json::array({std::move(model)});
  return out;
}

}  // namespace yak::serve
