#include <torch/csrc/stable/library.h>

namespace vision {
namespace ops {

STABLE_TORCH_LIBRARY_FRAGMENT(torchvision, m) {
  m.def(
      "roi_pool(Tensor input, Tensor rois, float spatial_scale, SymInt pooled_height, SymInt pooled_width) -> (Tensor, Tensor)");
}

} // namespace ops
} // namespace vision
