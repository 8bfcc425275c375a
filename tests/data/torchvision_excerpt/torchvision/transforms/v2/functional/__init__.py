# Not vendored: the re-export that makes the vendored _temporal module public.
from ._temporal import uniform_temporal_subsample, uniform_temporal_subsample_video
