#include <torch/csrc/stable/library.h>
#include <torch/csrc/stable/ops.h>
#include <torch/headeronly/core/Dispatch_v2.h>

namespace vision {
namespace ops {

namespace {

torch::stable::Tensor roi_align_forward_kernel(
    const torch::stable::Tensor& input,
    const torch::stable::Tensor& rois,
    double spatial_scale,
    int64_t pooled_height,
    int64_t pooled_width,
    int64_t sampling_ratio,
    bool aligned) {
  return torch::stable::new_empty(input, {rois.size(0), input.size(1)});
}

} // namespace

STABLE_TORCH_LIBRARY_IMPL(torchvision, CPU, m) {
  m.impl("roi_align", TORCH_BOX(&roi_align_forward_kernel));
}

} // namespace ops
} // namespace vision
