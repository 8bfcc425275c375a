#include "encode_jpeg.h"

#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>

namespace vision {
namespace image {

torch::stable::Tensor encode_jpeg(const torch::stable::Tensor& data, int64_t quality) {
  return torch::stable::clone(data);
}

STABLE_TORCH_LIBRARY_FRAGMENT(image, m) {
  m.def("encode_jpeg(Tensor data, int quality) -> Tensor");
}

STABLE_TORCH_LIBRARY_IMPL(image, CompositeExplicitAutograd, m) {
  m.impl("encode_jpeg", TORCH_BOX(&encode_jpeg));
}

} // namespace image
} // namespace vision
