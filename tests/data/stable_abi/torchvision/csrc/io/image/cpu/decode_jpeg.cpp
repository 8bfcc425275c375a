#include "decode_jpeg.h"

#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>
#include <torch/headeronly/util/Exception.h>

namespace vision {
namespace image {

#if !JPEG_FOUND
torch::stable::Tensor decode_jpeg(const torch::stable::Tensor& data, int64_t mode) {
  STD_TORCH_CHECK(
      false, "decode_jpeg: torchvision not compiled with libjpeg support");
}
#else
torch::stable::Tensor decode_jpeg(const torch::stable::Tensor& data, int64_t mode) {
  return torch::stable::clone(data);
}
#endif

int64_t _jpeg_version() {
  return JPEG_LIB_VERSION;
}

STABLE_TORCH_LIBRARY_FRAGMENT(image, m) {
  m.def("decode_jpeg(Tensor data, int mode) -> Tensor");
  m.def("_jpeg_version() -> int");
}

STABLE_TORCH_LIBRARY_IMPL(image, CompositeExplicitAutograd, m) {
  m.impl("decode_jpeg", TORCH_BOX(&decode_jpeg));
  m.impl("_jpeg_version", TORCH_BOX(&_jpeg_version));
}

} // namespace image
} // namespace vision
