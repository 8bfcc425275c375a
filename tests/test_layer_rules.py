"""TVU401-TVU404 on small trees: exact (code, line, symbol) for each hand-rolled layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import brief, check, write_tree
from tvusage_lint.python import layers as L
from tvusage_lint.python.facts import extract
from tvusage_lint.python.layers import walk

ON = ("TVU4",)
MOD = "torchvision.models.blocks"
RENAMES = " (renames its state_dict keys: no automatic fix)"


def findings(tmp_path: Path, text: str, rel: str = "torchvision/models/blocks.py"):
    write_tree(tmp_path, {rel: text})
    return check(tmp_path, extend=ON).findings


# --- TVU401: Conv -> Norm (-> Activation) ------------------------------------------------


def test_sequential_conv_norm_act(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        class Stem(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(
                    nn.Conv2d(3, 32, 3, padding=1, bias=False),
                    nn.BatchNorm2d(32),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 1),
                    nn.GroupNorm(8, 64),
                )
        """,
    )
    assert brief(found) == [
        ("TVU401", 7, f"{MOD}.Stem.__init__"),
        ("TVU401", 11, f"{MOD}.Stem.__init__"),
    ]
    assert [(f.column, f.message, f.event) for f in found] == [
        (
            13,
            "hand-rolled Conv2d → BatchNorm2d → ReLU; use "
            "`torchvision.ops.Conv2dNormActivation(3, 32, kernel_size=3)`" + RENAMES,
            "",
        ),
        (
            13,
            "hand-rolled Conv2d → GroupNorm; use `torchvision.ops.Conv2dNormActivation(32, 64, "
            "kernel_size=1, norm_layer=functools.partial(nn.GroupNorm, 8), "
            "activation_layer=None, bias=True)`" + RENAMES,
            "",
        ),
    ]


def test_list_built_up_in_a_row_and_a_named_conv(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        def make_layers(cfg):
            layers = []
            in_channels = 3
            for v in cfg:
                conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                in_channels = v
            return nn.Sequential(*layers)

        def head():
            layers = [nn.Conv2d(8, 8, 3)]
            layers.append(nn.BatchNorm2d(8))
            layers.extend([nn.SiLU()])
            return layers
        """,
    )
    assert brief(found) == [
        ("TVU401", 7, f"{MOD}.make_layers"),
        ("TVU401", 13, f"{MOD}.head"),
    ]
    assert found[1].message.startswith("hand-rolled Conv2d → BatchNorm2d → SiLU;")


def test_ordered_dict_sequential_subclass_and_conv3d(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from collections import OrderedDict
        from torch import nn

        class Features(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(
                    OrderedDict(
                        [
                            ("conv0", nn.Conv2d(3, 64, 7, 2, 3, bias=False)),
                            ("norm0", nn.BatchNorm2d(64)),
                            ("relu0", nn.ReLU(inplace=True)),
                        ]
                    )
                )

        class Stem3d(nn.Sequential):
            def __init__(self):
                super().__init__(
                    nn.Conv3d(3, 64, (3, 7, 7), bias=False),
                    nn.BatchNorm3d(64),
                )
        """,
    )
    assert brief(found) == [
        ("TVU401", 10, f"{MOD}.Features.__init__"),
        ("TVU401", 20, f"{MOD}.Stem3d.__init__"),
    ]
    assert found[1].message == (
        "hand-rolled Conv3d → BatchNorm3d; use `torchvision.ops.Conv3dNormActivation(3, 64, "
        "kernel_size=(3, 7, 7), padding=0, activation_layer=None)`" + RENAMES
    )


def test_class_shaped_conv_norm_act(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch.nn.functional as F
        from torch import nn

        class BasicConv2d(nn.Module):
            def __init__(self, in_channels, out_channels, **kwargs):
                super().__init__()
                self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
                self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

            def forward(self, x):
                x = self.conv(x)
                x = self.bn(x)
                return F.relu(x, inplace=True)

        class ConvBN(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3)
                self.norm = nn.BatchNorm2d(c)
                self.act = nn.Hardswish()

            def forward(self, x):
                return self.act(self.norm(self.conv(x)))

        class NotInOrder(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3)
                self.bn = nn.BatchNorm2d(c)

            def forward(self, x):
                return self.conv(self.bn(x))

        class MoreThanThat(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3)
                self.bn = nn.BatchNorm2d(c)

            def forward(self, x):
                return self.bn(self.conv(x)) + x
        """,
    )
    assert brief(found) == [
        ("TVU401", 4, f"{MOD}.BasicConv2d"),
        ("TVU401", 15, f"{MOD}.ConvBN"),
    ]
    assert [(f.column, f.end_column) for f in found] == [(1, 18), (1, 13)]
    assert found[0].message.startswith("hand-rolled Conv2d → BatchNorm2d → relu;")


@pytest.mark.parametrize(
    "imports, conv, norm",
    [
        ("import torch.nn as nn", "nn.Conv2d", "nn.BatchNorm2d"),
        ("import torch", "torch.nn.Conv2d", "torch.nn.BatchNorm2d"),
        ("from torch.nn import BatchNorm2d, Conv2d", "Conv2d", "BatchNorm2d"),
        ("from torch.nn import *", "Conv2d", "BatchNorm2d"),
        ("import torch\nnn = torch.nn", "nn.Conv2d", "nn.BatchNorm2d"),
    ],
)
def test_names_resolve_to_torch_nn(tmp_path: Path, imports: str, conv: str, norm: str) -> None:
    text = f"{imports}\n\ndef stem():\n    layers = [{conv}(3, 8, 3), {norm}(8)]\n"
    assert brief(findings(tmp_path, text)) == [("TVU401", imports.count("\n") + 4, f"{MOD}.stem")]


@pytest.mark.parametrize(
    "imports, conv",
    [
        ("from torch import nn\nfrom .layers import Conv2d", "Conv2d"),  # a project layer
        ("from torch import nn\nfrom torch.ao.nn import quantized", "quantized.Conv2d"),
        ("from torch import nn", "Conv2d"),  # unbound, no star import
    ],
)
def test_names_from_elsewhere_are_not_torch_nn(tmp_path: Path, imports: str, conv: str) -> None:
    text = f"{imports}\n\ndef stem():\n    layers = [{conv}(3, 8, 3), nn.BatchNorm2d(8)]\n"
    assert brief(findings(tmp_path, text)) == []


def test_not_conv_norm_act(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        def negatives(norm_layer, c):
            a = nn.Sequential(nn.Conv2d(c, c, 3), nn.MaxPool2d(2), nn.ReLU())  # not direct
            b = nn.Sequential(nn.Conv2d(c, c, 3), nn.Sigmoid())  # a gate, not an activation
            d = nn.Sequential(nn.Conv2d(c, c, 3), norm_layer(c))  # through a parameter
            e = nn.Sequential(nn.Conv3d(c, c, 3), nn.BatchNorm2d(c))  # dimensions differ
            f = nn.Sequential(nn.Conv2d(c, c, 3, padding_mode="reflect"), nn.BatchNorm2d(c))
            g = nn.Sequential(nn.Conv2d(c, 2 * c, 3), nn.LayerNorm(c))  # not the channels
            h = nn.ModuleList([nn.Conv2d(c, c, 3), nn.BatchNorm2d(c)])  # not applied in order
            layers = [nn.Conv2d(c, c, 3)]
            print(layers)
            layers.append(nn.BatchNorm2d(c))  # not in a row
            return a, b, d, e, f, g, h, layers
        """,
    )
    assert brief(found) == []


def test_layers_built_on_a_device_are_not_reported(tmp_path: Path) -> None:
    """The ops layers take no ``device``/``dtype``: a block built with them stays."""
    found = findings(
        tmp_path,
        """
        from torch import nn

        def stem(device=None, dtype=None):
            dd = {"device": device, "dtype": dtype}
            return nn.Sequential(nn.Conv2d(3, 8, 3, **dd), nn.BatchNorm2d(8, **dd), nn.ReLU())

        class Head(nn.Module):
            def __init__(self, c, device=None):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, device=device)
                self.fc = nn.Linear(c, c)

            def forward(self, x):
                return nn.functional.relu(self.conv(x)), self.fc
        """,
    )
    assert brief(found) == []


def test_ops_scope_is_not_reported(tmp_path: Path) -> None:
    text = """
        from torch import nn

        class ConvNormActivation(nn.Sequential):
            def __init__(self, c):
                super().__init__(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c), nn.ReLU())

        def mlp(c):
            return nn.Sequential(nn.Linear(c, c), nn.ReLU(), nn.Linear(c, c))
    """
    found = findings(tmp_path, text, "torchvision/ops/misc.py")
    assert [f for f in found if f.code.startswith("TVU4")] == []
    assert len(extract((tmp_path / "torchvision/ops/misc.py").read_bytes()).layers) == 2


def test_off_by_default_and_suppressible(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "torchvision/models/blocks.py": """
                from torch import nn

                def stem():  # tvusage: ignore[TVU403]
                    a = [nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)]  # tvusage: ignore[TVU401]
                    b = [nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)]
                    return a, b
            """
        },
    )
    assert brief(check(tmp_path).findings) == []
    assert brief(check(tmp_path, extend=ON).findings) == []
    (tmp_path / "torchvision/models/blocks.py").write_text(
        "from torch import nn\n\nb = [nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8)]\n"
    )
    assert brief(check(tmp_path).findings) == []
    assert brief(check(tmp_path, extend=ON).findings) == [("TVU403", 3, MOD)]


def test_a_crash_is_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tvusage_lint.python.rules import hand_rolled as layer_rules

    def boom(module, settings):
        raise RuntimeError("boom")

    monkeypatch.setattr(layer_rules, "check", boom)
    found = findings(
        tmp_path, "from torch import nn\n\nx = [nn.Conv2d(1, 1, 1), nn.BatchNorm2d(1)]\n"
    )
    assert {f.path.rsplit("/", 1)[-1] for f in found} == {"__init__.py", "blocks.py", "utils.py"}
    assert {(f.code, f.line) for f in found} == {("TVU001", 1)}
    assert found[0].message.startswith("internal error in the layer rules (TVU401-TVU405)")


# --- TVU402: squeeze-and-excitation -------------------------------------------------------


def test_squeeze_excitation_blocks(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch
        from torch import nn
        from torch.nn import functional as F

        class SE(nn.Module):
            def __init__(self, c, s):
                super().__init__()
                self.avgpool = nn.AdaptiveAvgPool2d(1)
                self.fc1 = nn.Conv2d(c, s, 1)
                self.fc2 = nn.Conv2d(s, c, kernel_size=1)
                self.activation = nn.SiLU()
                self.scale_activation = nn.Sigmoid()

            def _scale(self, input):
                return self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(input)))))

            def forward(self, input):
                return self._scale(input) * input

        class SELayer(nn.Module):
            def __init__(self, channel, reduction=16):
                super().__init__()
                self.avg_pool = nn.AdaptiveAvgPool2d((1, 1))
                self.fc = nn.Sequential(
                    nn.Linear(channel, channel // reduction, bias=False),
                    nn.ReLU(inplace=True),
                    nn.Linear(channel // reduction, channel, bias=False),
                    nn.Sigmoid(),
                )

            def forward(self, x):
                b, c, _, _ = x.size()
                y = self.avg_pool(x).view(b, c)
                y = self.fc(y).view(b, c, 1, 1)
                return x * y.expand_as(x)

        class FunctionalSE(nn.Module):
            def __init__(self, c, s):
                super().__init__()
                self.fc1 = nn.Conv2d(c, s, 1)
                self.fc2 = nn.Conv2d(s, c, 1)

            def forward(self, x):
                scale = F.adaptive_avg_pool2d(x, 1)
                scale = F.relu(self.fc1(scale))
                return x * F.hardsigmoid(self.fc2(scale))
        """,
    )
    assert brief(found) == [
        ("TVU402", 5, f"{MOD}.SE"),
        ("TVU402", 20, f"{MOD}.SELayer"),
        ("TVU402", 37, f"{MOD}.FunctionalSE"),
    ]
    assert [f.message for f in found] == [
        "hand-rolled squeeze-and-excitation (AdaptiveAvgPool2d → Conv2d → SiLU → Conv2d → "
        "Sigmoid); use `torchvision.ops.SqueezeExcitation(c, s, activation=nn.SiLU)`" + RENAMES,
        "hand-rolled squeeze-and-excitation (AdaptiveAvgPool2d → Linear → ReLU → Linear → "
        "Sigmoid); use `torchvision.ops.SqueezeExcitation(channel, channel // reduction)`"
        + RENAMES,
        "hand-rolled squeeze-and-excitation (adaptive_avg_pool2d → Conv2d → relu → Conv2d → "
        "hardsigmoid); use `torchvision.ops.SqueezeExcitation(c, s, "
        "scale_activation=nn.Hardsigmoid)`" + RENAMES,
    ]


def test_not_squeeze_excitation(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        class MultiLabelHead(nn.Module):  # the sigmoid output is returned, not a scale
            def __init__(self, c, n):
                super().__init__()
                self.pool = nn.AdaptiveAvgPool2d(1)
                self.fc1 = nn.Linear(c, c)
                self.relu = nn.ReLU()
                self.fc2 = nn.Linear(c, n)
                self.out = nn.Sigmoid()

            def forward(self, x):
                return self.out(self.fc2(self.relu(self.fc1(self.pool(x).flatten(1)))))

        class Attention(nn.Module):  # 3x3 convolutions and a max pool: another block
            def __init__(self, c):
                super().__init__()
                self.pool = nn.AdaptiveMaxPool2d(1)
                self.fc1 = nn.Conv2d(c, c, 3)
                self.relu = nn.ReLU()
                self.fc2 = nn.Conv2d(c, c, 3)
                self.gate = nn.Sigmoid()

            def forward(self, x):
                return x * self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))
        """,
    )
    # not a squeeze-and-excitation block, but its first convolution is wrapped in an activation
    assert brief(found) == [("TVU401", 19, f"{MOD}.Attention")]
    assert found[0].message == (
        "hand-rolled Conv2d → ReLU; use `torchvision.ops.Conv2dNormActivation(c, c, "
        "kernel_size=3, padding=0, norm_layer=None, inplace=False)`" + RENAMES
    )


# --- TVU403: MLP -------------------------------------------------------------------------


def test_mlp(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        class Heads(nn.Module):
            def __init__(self, c, n):
                super().__init__()
                self.plain = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
                self.dropped = nn.Sequential(
                    nn.Flatten(),
                    nn.Linear(c, c),
                    nn.BatchNorm1d(c),
                    nn.ReLU(inplace=True),
                    nn.Dropout(0.2),
                    nn.Linear(c, n),
                    nn.Dropout(0.2),
                )
        """,
    )
    assert brief(found) == [
        ("TVU403", 6, f"{MOD}.Heads.__init__"),
        ("TVU403", 9, f"{MOD}.Heads.__init__"),
    ]
    assert [f.message for f in found] == [
        "hand-rolled MLP Linear → GELU → Linear; use "
        "`torchvision.ops.MLP(c, [4 * c, c], activation_layer=nn.GELU)`" + RENAMES,
        "hand-rolled MLP Linear → BatchNorm1d → ReLU → Dropout → Linear → Dropout; use "
        "`torchvision.ops.MLP(c, [c, n], norm_layer=nn.BatchNorm1d, inplace=True, "
        "dropout=0.2)`" + RENAMES,
    ]


def test_not_mlp(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        def heads(c, n):
            single = nn.Sequential(nn.Linear(c, c), nn.ReLU())
            no_act = nn.Sequential(nn.Linear(c, c), nn.Linear(c, n))
            # MLP(dropout=0.5) would also drop out the logits
            vgg = nn.Sequential(
                nn.Linear(c, c),
                nn.ReLU(True),
                nn.Dropout(0.5),
                nn.Linear(c, c),
                nn.ReLU(True),
                nn.Dropout(0.5),
                nn.Linear(c, n),
            )
            biases = nn.Sequential(nn.Linear(2, c), nn.ReLU(), nn.Linear(c, n, bias=False))
            acts = nn.Sequential(
                nn.Linear(c, c), nn.ReLU(), nn.Linear(c, c), nn.Tanh(), nn.Linear(c, n)
            )
            return single, no_act, vgg, biases, acts
        """,
    )
    assert brief(found) == []


# --- TVU404: stochastic depth ----------------------------------------------------------------


def test_stochastic_depth(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch
        from torch import nn

        def stochastic_depth(input, p, training=True):
            if not training or p == 0.0:
                return input
            survival_rate = 1.0 - p
            size = [input.shape[0]] + [1] * (input.ndim - 1)
            noise = torch.empty(size, dtype=input.dtype, device=input.device)
            noise = noise.bernoulli_(survival_rate)
            if survival_rate > 0.0:
                noise.div_(survival_rate)
            return input * noise

        def drop_path(x, drop_prob=0.0, training=False):
            keep_prob = 1 - drop_prob
            shape = (x.shape[0],) + (1,) * (x.ndim - 1)
            random_tensor = keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)
            random_tensor.floor_()
            return x.div(keep_prob) * random_tensor

        class Block(nn.Module):
            def forward(self, x):
                keep = 1.0 - self.p
                mask = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < keep
                return x + self.body(x) * mask / keep
        """,
    )
    assert brief(found) == [
        ("TVU404", 10, f"{MOD}.stochastic_depth"),
        ("TVU404", 18, f"{MOD}.drop_path"),
        ("TVU404", 25, f"{MOD}.Block.forward"),
    ]
    assert found[0].column == 13
    assert found[0].message == (
        "hand-rolled stochastic depth (per-sample Bernoulli keep-mask, rescaled); "
        "use `torchvision.ops.stochastic_depth` or `torchvision.ops.StochasticDepth`"
    )


def test_not_stochastic_depth(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch

        class RandomHorizontalFlip(torch.nn.Module):
            def forward(self, img):
                if torch.rand(1) < self.p:
                    return img.flip(-1) * 1.0 / 1.0
                return img

        def dropout(x, p):
            mask = torch.empty_like(x).bernoulli_(1 - p)  # one value per element
            return x * mask / (1 - p)

        def not_scaled(x, p):
            mask = torch.empty(x.shape[0], 1).bernoulli_(1 - p)
            return x * mask
        """,
    )
    assert brief(found) == []


# --- facts: cheap when there is nothing to find ----------------------------------------


def test_files_without_trigger_words_are_not_scanned(monkeypatch: pytest.MonkeyPatch) -> None:
    def unexpected(*args, **kwargs):
        raise AssertionError("scanned a file without trigger words")

    monkeypatch.setattr(walk, "_Scanner", unexpected)
    text = b"import torch\nfrom torch import nn\n\nlayers = nn.Sequential(nn.MaxPool2d(1))\n"
    assert extract(text).layers == ()
    assert extract(b"def f(x):\n    return x\n").layers == ()
    assert extract(b"def f(:\n").layers == ()


def test_trigger_lines() -> None:
    text = "a = 1\nb = nn.BatchNorm2d(1)\nc = torch.rand(2) < 1  # rand( again\nnn.Linear\n"
    assert L.trigger_lines(text) == L.Lines([2, 3, 4], [3], [], {"Norm", "torch.rand(", "Linear"})


# --- the forms torchvision replaced in 0.13 and downstream code copies ----------------------


def test_conv_activation_without_norm(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        def extras():
            return nn.Sequential(
                nn.Conv2d(1024, 256, kernel_size=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(256, 512, kernel_size=3, padding=1, stride=2),
                nn.GELU(),
                nn.Conv2d(512, 512, 5),
                nn.LeakyReLU(0.1, inplace=True),
            )
        """,
    )
    assert brief(found) == [
        ("TVU401", 5, f"{MOD}.extras"),
        ("TVU401", 7, f"{MOD}.extras"),
        ("TVU401", 9, f"{MOD}.extras"),
    ]
    assert [f.message.partition("; use ")[2] for f in found] == [
        "`torchvision.ops.Conv2dNormActivation(1024, 256, kernel_size=1, norm_layer=None)`"
        + RENAMES,
        "`torchvision.ops.Conv2dNormActivation(256, 512, kernel_size=3, stride=2, "
        "norm_layer=None, activation_layer=nn.GELU, inplace=None)`" + RENAMES,
        "`torchvision.ops.Conv2dNormActivation(512, 512, kernel_size=5, padding=0, "
        "norm_layer=None, activation_layer=functools.partial(nn.LeakyReLU, 0.1))`" + RENAMES,
    ]


def test_not_conv_activation(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        def heads(c, n):
            pool = nn.Sequential(nn.Conv2d(c, c, 3), nn.MaxPool2d(2))  # not an activation
            gate = nn.Sequential(nn.Conv2d(c, 1, 1), nn.Sigmoid())  # a probability map
            image = nn.Sequential(nn.Conv2d(c, 3, 7), nn.Tanh())  # an output image
            drop = nn.Sequential(nn.Conv2d(c, c, 3), nn.Dropout2d(0.1), nn.ReLU())  # not direct
            return pool, gate, image, drop
        """,
    )
    assert brief(found) == []


def test_layers_collected_in_a_loop(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from collections import OrderedDict

        from torch import nn

        class ClassificationHead(nn.Module):
            def __init__(self, in_channels):
                super().__init__()
                conv = []
                for _ in range(4):
                    conv.append(nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1))
                    conv.append(nn.ReLU())
                self.conv = nn.Sequential(*conv)

        class MaskHeads(nn.Sequential):
            def __init__(self, in_channels, layers, dilation):
                d = OrderedDict()
                next_feature = in_channels
                for layer_idx, layer_features in enumerate(layers, 1):
                    d[f"mask_fcn{layer_idx}"] = nn.Conv2d(
                        next_feature, layer_features, kernel_size=3, stride=1, padding=dilation,
                        dilation=dilation,
                    )
                    d[f"relu{layer_idx}"] = nn.ReLU(inplace=True)
                    next_feature = layer_features
                super().__init__(d)
        """,
    )
    assert brief(found) == [
        ("TVU401", 10, f"{MOD}.ClassificationHead.__init__"),
        ("TVU401", 19, f"{MOD}.MaskHeads.__init__"),
    ]
    assert [f.message.partition("; use ")[2] for f in found] == [
        "`torchvision.ops.Conv2dNormActivation(in_channels, in_channels, kernel_size=3, "
        "norm_layer=None, inplace=False)`" + RENAMES,
        "`torchvision.ops.Conv2dNormActivation(next_feature, layer_features, kernel_size=3, "
        "norm_layer=None, dilation=dilation)`" + RENAMES,
    ]


def test_not_layers_collected_in_a_loop(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        class Heads(nn.Module):
            def __init__(self, c, n):
                super().__init__()
                convs, acts = [], []
                for _ in range(n):
                    convs.append(nn.Conv2d(c, c, 3))  # two lists, looked up side by side
                    acts.append(nn.ReLU())
                layers = []
                for _ in range(n):
                    layers.append(nn.Conv2d(c, c, 3))
                    layers.append(nn.Dropout(0.1))  # not an activation
                    layers.append(nn.ReLU())
                blocks = nn.ModuleDict()
                blocks["conv"] = nn.Conv2d(c, c, 3)  # looked up by name, not run in order
                blocks["act"] = nn.ReLU()
                table = {"conv": 1}
                table["conv"] = nn.Conv2d(c, c, 3)  # a dict made with content: not a sequence
                table["act"] = nn.ReLU()
                self.parts = (convs, acts, layers, blocks, table)
        """,
    )
    assert brief(found) == []


def test_sequential_subclass_with_attributes(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        class MLPBlock(nn.Sequential):
            def __init__(self, in_dim: int, mlp_dim: int, dropout: float):
                super().__init__()
                self.linear_1 = nn.Linear(in_dim, mlp_dim)
                self.act = nn.GELU()
                self.dropout_1 = nn.Dropout(dropout)
                self.linear_2 = nn.Linear(mlp_dim, in_dim)
                self.dropout_2 = nn.Dropout(dropout)

        class NotSequential(nn.Module):  # runs its attributes in whatever order forward says
            def __init__(self, in_dim: int, mlp_dim: int):
                super().__init__()
                self.linear_1 = nn.Linear(in_dim, mlp_dim)
                self.act = nn.GELU()
                self.linear_2 = nn.Linear(mlp_dim, in_dim)

            def forward(self, x):
                return self.linear_2(x) + self.act(self.linear_1(x))
        """,
    )
    assert brief(found) == [("TVU403", 6, f"{MOD}.MLPBlock.__init__")]
    assert found[0].message == (
        "hand-rolled MLP Linear → GELU → Dropout → Linear → Dropout; use "
        "`torchvision.ops.MLP(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, "
        "dropout=dropout)`" + RENAMES
    )


def test_conv_attribute_wrapped_in_an_activation(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch.nn.functional as F
        from torch import nn

        class RPNHead(nn.Module):
            def __init__(self, in_channels, num_anchors):
                super().__init__()
                self.conv = nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1)
                self.cls_logits = nn.Conv2d(in_channels, num_anchors, kernel_size=1, stride=1)
                self.bbox_pred = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=1, stride=1)

            def forward(self, x):
                logits, bbox_reg = [], []
                for feature in x:
                    t = F.relu(self.conv(feature))
                    logits.append(self.cls_logits(t))
                    bbox_reg.append(self.bbox_pred(t))
                return logits, bbox_reg

        class Twice(nn.Module):  # the convolution also runs without the activation
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, padding=1)
                self.bn = nn.BatchNorm2d(c)
                self.out = nn.Conv2d(c, 1, 1)

            def forward(self, x):
                return F.relu(self.bn(self.conv(x))) + self.conv(x), self.out(x).sigmoid()

        class Gated(nn.Module):  # wrapped in a gate, not an activation
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3, padding=1)
                self.proj = nn.Linear(c, c)

            def forward(self, x):
                return x * F.sigmoid(self.conv(x)), self.proj
        """,
    )
    assert brief(found) == [("TVU401", 7, f"{MOD}.RPNHead")]
    assert found[0].message == (
        "hand-rolled Conv2d → relu; use `torchvision.ops.Conv2dNormActivation(in_channels, "
        "in_channels, kernel_size=3, norm_layer=None, inplace=False)`" + RENAMES
    )


def test_conv_and_norm_attributes_wrapped_in_an_activation_module(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        from torch import nn

        class Branches(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv_a = nn.Conv2d(c, c, 3, padding=1, bias=False)
                self.bn_a = nn.BatchNorm2d(c)
                self.conv_b = nn.Conv2d(c, c, 1)
                self.relu = nn.ReLU(inplace=True)
                self.head = nn.Linear(c, 10)

            def forward(self, x):
                y = self.relu(self.bn_a(self.conv_a(x))) + self.relu(self.conv_b(x))
                return self.head(y.mean((2, 3)))
        """,
    )
    assert brief(found) == [("TVU401", 6, f"{MOD}.Branches"), ("TVU401", 8, f"{MOD}.Branches")]
    assert [f.message.partition("; use ")[2] for f in found] == [
        "`torchvision.ops.Conv2dNormActivation(c, c, kernel_size=3)`" + RENAMES,
        "`torchvision.ops.Conv2dNormActivation(c, c, kernel_size=1, norm_layer=None)`" + RENAMES,
    ]


def test_module_list_mlp(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch.nn.functional as F
        from torch import nn

        class MLP(nn.Module):
            def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
                super().__init__()
                self.num_layers = num_layers
                h = [hidden_dim] * (num_layers - 1)
                self.layers = nn.ModuleList(
                    nn.Linear(n, k) for n, k in zip([input_dim] + h, h + [output_dim])
                )

            def forward(self, x):
                for i, layer in enumerate(self.layers):
                    x = F.relu(layer(x)) if i < self.num_layers - 1 else layer(x)
                return x

        class Mixed(nn.Module):  # layers of different kinds
            def __init__(self, c):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(c, c), nn.Conv2d(c, c, 1)])

            def forward(self, x):
                for i, layer in enumerate(self.layers):
                    x = F.relu(layer(x)) if i == 0 else layer(x)
                return x

        class NoActivation(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(c, c), nn.Linear(c, c)])

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x

        class EveryLayer(nn.Module):  # the last layer is activated too: not what MLP builds
            def __init__(self, c):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(c, c), nn.Linear(c, c)])

            def forward(self, x):
                for layer in self.layers:
                    x = F.relu(layer(x))
                return x
        """,
    )
    assert brief(found) == [("TVU403", 9, f"{MOD}.MLP")]
    assert found[0].message == (
        "hand-rolled MLP Linear → relu → Linear; use "
        "`torchvision.ops.MLP(in_channels, hidden_channels)`" + RENAMES
    )


# --- TVU405: frozen batch norm -----------------------------------------------------------


def test_frozen_batch_norm(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch
        from torch import nn
        from torch.nn import functional as F

        class FrozenBatchNorm2d(torch.nn.Module):
            def __init__(self, n):
                super().__init__()
                self.register_buffer("weight", torch.ones(n))
                self.register_buffer("bias", torch.zeros(n))
                self.register_buffer("running_mean", torch.zeros(n))
                self.register_buffer("running_var", torch.ones(n))

            def _load_from_state_dict(self, state_dict, prefix, *args):
                state_dict.pop(prefix + "num_batches_tracked", None)
                super()._load_from_state_dict(state_dict, prefix, *args)

            def forward(self, x):
                w = self.weight.reshape(1, -1, 1, 1)
                rv = self.running_var.reshape(1, -1, 1, 1)
                scale = w * (rv + 1e-3).rsqrt()
                bias = self.bias.reshape(1, -1, 1, 1) - self.running_mean.reshape(1, -1, 1, 1) * scale
                return x * scale + bias

        class FrozenBN(nn.Module):
            def __init__(self, num_features, eps=1e-5):
                super().__init__()
                self.eps = eps
                for name in ("weight", "bias", "running_mean", "running_var"):
                    pass
                self.register_buffer("weight", torch.ones(num_features))
                self.register_buffer("bias", torch.zeros(num_features))
                self.register_buffer("running_mean", torch.zeros(num_features))
                self.register_buffer("running_var", torch.ones(num_features))

            def forward(self, x):
                return F.batch_norm(
                    x, self.running_mean, self.running_var, self.weight, self.bias, False,
                    eps=self.eps,
                )
        """,
    )
    assert brief(found) == [
        ("TVU405", 5, f"{MOD}.FrozenBatchNorm2d"),
        ("TVU405", 24, f"{MOD}.FrozenBN"),
    ]
    assert [f.message for f in found] == [
        "hand-rolled frozen batch norm (buffers weight, bias, running_mean, running_var, fixed "
        "affine); use `torchvision.ops.FrozenBatchNorm2d(n, eps=0.001)` (same state_dict keys)",
        "hand-rolled frozen batch norm (buffers weight, bias, running_mean, running_var, fixed "
        "affine); use `torchvision.ops.FrozenBatchNorm2d(num_features)` (same state_dict keys)",
    ]


def test_not_frozen_batch_norm(tmp_path: Path) -> None:
    found = findings(
        tmp_path,
        """
        import torch
        from torch import nn

        class MyBatchNorm(nn.Module):  # learns its statistics
            def __init__(self, n):
                super().__init__()
                self.register_buffer("weight", torch.ones(n))
                self.register_buffer("bias", torch.zeros(n))
                self.register_buffer("running_mean", torch.zeros(n))
                self.register_buffer("running_var", torch.ones(n))

            def forward(self, x):
                if self.training:
                    self.running_mean.mul_(0.9).add_(0.1 * x.mean((0, 2, 3)))
                scale = self.weight * (self.running_var + 1e-5).rsqrt()
                return x * scale.reshape(1, -1, 1, 1)

        class FrozenBatchNormAct(nn.Module):  # also an activation: not the ops layer alone
            def __init__(self, n):
                super().__init__()
                self.register_buffer("weight", torch.ones(n))
                self.register_buffer("bias", torch.zeros(n))
                self.register_buffer("running_mean", torch.zeros(n))
                self.register_buffer("running_var", torch.ones(n))
                self.act = nn.ReLU()

            def forward(self, x):
                scale = self.weight * (self.running_var + 1e-5).rsqrt()
                return self.act(x * scale.reshape(1, -1, 1, 1))

        class Affine(nn.Module):  # no running statistics
            def __init__(self, n):
                super().__init__()
                self.register_buffer("weight", torch.ones(n))
                self.register_buffer("bias", torch.zeros(n))
                self.register_buffer("running_mean", torch.zeros(n))

            def forward(self, x):
                return x * self.weight.rsqrt() + self.bias
        """,
    )
    assert brief(found) == []


def test_only_layers_on_a_tree_that_is_not_torchvision(tmp_path: Path) -> None:
    """``--select TVU4`` on downstream model code: layers and nothing else."""
    write_tree(
        tmp_path,
        {
            "mymodels/__init__.py": "from .blocks import Stem\n",
            "mymodels/blocks.py": """
                from torch import nn

                class Stem(nn.Module):
                    def __init__(self):
                        super().__init__()
                        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
            """,
        },
        helper=False,
    )
    from tests.helpers import settings
    from tvusage_lint.core import config
    from tvusage_lint.engine import Engine

    only = config.with_cli(settings(), select=["TVU4"])
    result = Engine(only).run([str(tmp_path / "mymodels")], cwd=tmp_path)
    assert brief(result.findings) == [("TVU401", 6, "mymodels.blocks.Stem.__init__")]
    assert result.warnings == []


def test_every_layers_module_is_in_the_cache_key() -> None:
    """Facts cached by an older layer scanner must not be read back: each module the scan
    runs is hashed into the cache file's name."""
    from tvusage_lint.files import cache

    package = Path(cache.__file__).parent.parent
    scanned = {
        str(p.relative_to(package))
        for p in (package / "python" / "layers").glob("*.py")
        if p.name != "__init__.py"
    }
    assert scanned | {"python/ast_util.py"} <= set(cache._EXTRACTORS)
