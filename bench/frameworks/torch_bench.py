"""PyTorch runner for the bench (Debian's python3-torch on the CPU, or a CUDA build on a GPU).

Prints `ROW {json}` lines like the other runners. The models are the bench's Keras networks,
layer for layer, in NCHW (PyTorch's layout).
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    torch = None

CONV_LAYERS = [
    ("vgg16", "block1_conv2", 48, 48, 64, 3, 64, 1, "same"),
    ("vgg16", "block3_conv2", 12, 12, 256, 3, 256, 1, "same"),
    ("vgg16", "block5_conv3", 3, 3, 512, 3, 512, 1, "same"),
    ("inceptionv3", "conv2d_5", 20, 20, 80, 3, 192, 1, "valid"),
    ("mobilenet", "conv_pw_7", 14, 14, 128, 1, 128, 1, "same"),
]


def emit(row):
    print("ROW " + json.dumps(row), flush=True)


def skipped(workload, framework, note):
    return dict(workload=workload, framework=framework, median_ms=None, throughput=None, unit="", gflops=None, peak_bytes=None, note=note)


def time_it(fn, sync, warmup=1, min_repeats=3, min_ms=1500, max_repeats=20):
    for _ in range(warmup):
        fn()
        sync()
    times = []
    start = time.perf_counter()
    while len(times) < min_repeats or ((time.perf_counter() - start) * 1000 < min_ms and len(times) < max_repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def row(workload, framework, ms, items, unit, flops=None, peak=None):
    return dict(workload=workload, framework=framework, median_ms=round(ms, 3), throughput=round(items / (ms / 1000), 3),
                unit=unit + "/s", gflops=round(flops / ms / 1e6, 3) if flops else None, peak_bytes=peak)


def vgg16_features():
    layers, c = [], 3
    for filters, convs in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(convs):
            layers += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU(inplace=True)]
            c = filters
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


def vgg16_regression(size):
    feats = vgg16_features()
    flat = 512 * (size // 32) ** 2
    head = nn.Sequential(nn.Flatten(), nn.Linear(flat, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 1))
    # Keras layers[:15] = input + blocks 1-4 (13 conv/pool layers + input): freeze those.
    frozen_modules = 0
    for m in feats:
        if isinstance(m, nn.MaxPool2d):
            frozen_modules += 1
        if frozen_modules >= 4:
            break
        for p in m.parameters():
            p.requires_grad_(False)
    return nn.Sequential(feats, head)


def mobilenet_head(alpha=0.25, classes=10):
    f = lambda c: int(c * alpha)
    layers = [nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(3, f(32), 3, 2, bias=False), nn.BatchNorm2d(f(32)), nn.ReLU6()]
    c = f(32)
    for filters, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]:
        if stride == 2:
            layers += [nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(c, c, 3, 2, groups=c, bias=False)]
        else:
            layers += [nn.Conv2d(c, c, 3, 1, padding=1, groups=c, bias=False)]
        layers += [nn.BatchNorm2d(c), nn.ReLU6(), nn.Conv2d(c, f(filters), 1, bias=False), nn.BatchNorm2d(f(filters)), nn.ReLU6()]
        c = f(filters)
    backbone = nn.Sequential(*layers)
    for p in backbone.parameters():
        p.requires_grad_(False)
    backbone.eval()
    return backbone, nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, classes))


class ConvBn(nn.Module):
    """Keras conv2d_bn: conv without bias, BatchNorm (scale=False in Keras), ReLU; 'same' or 'valid'."""

    def __init__(self, cin, cout, kh, kw, padding="same", stride=1):
        super().__init__()
        pad = (kh // 2, kw // 2) if padding == "same" else (0, 0)
        self.conv = nn.Conv2d(cin, cout, (kh, kw), stride=stride, padding=pad, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Branches(nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)


class Split(nn.Module):
    """A 1x3 and a 3x1 conv on the same input, concatenated (mixed9/10)."""

    def __init__(self, stem, cin, cout):
        super().__init__()
        self.stem, self.a, self.b = stem, ConvBn(cin, cout, 1, 3), ConvBn(cin, cout, 3, 1)

    def forward(self, x):
        x = self.stem(x)
        return torch.cat([self.a(x), self.b(x)], 1)


def avg_same():
    return nn.AvgPool2d(3, 1, padding=1, count_include_pad=False)


def inception_v3_notop():
    """keras.applications InceptionV3 without top; returns (frozen part = stem..mixed1, the rest)."""
    stem = nn.Sequential(ConvBn(3, 32, 3, 3, "valid", 2), ConvBn(32, 32, 3, 3, "valid"), ConvBn(32, 64, 3, 3), nn.MaxPool2d(3, 2),
                         ConvBn(64, 80, 1, 1, "valid"), ConvBn(80, 192, 3, 3, "valid"), nn.MaxPool2d(3, 2))
    blocks, c = [], 192
    for pool_f in (32, 64, 64):
        blocks.append(Branches(ConvBn(c, 64, 1, 1), nn.Sequential(ConvBn(c, 48, 1, 1), ConvBn(48, 64, 5, 5)),
                               nn.Sequential(ConvBn(c, 64, 1, 1), ConvBn(64, 96, 3, 3), ConvBn(96, 96, 3, 3)),
                               nn.Sequential(avg_same(), ConvBn(c, pool_f, 1, 1))))
        c = 64 + 64 + 96 + pool_f
    blocks.append(Branches(ConvBn(c, 384, 3, 3, "valid", 2),
                           nn.Sequential(ConvBn(c, 64, 1, 1), ConvBn(64, 96, 3, 3), ConvBn(96, 96, 3, 3, "valid", 2)), nn.MaxPool2d(3, 2)))
    c = 384 + 96 + c
    for f in (128, 160, 160, 192):
        blocks.append(Branches(ConvBn(c, 192, 1, 1), nn.Sequential(ConvBn(c, f, 1, 1), ConvBn(f, f, 1, 7), ConvBn(f, 192, 7, 1)),
                               nn.Sequential(ConvBn(c, f, 1, 1), ConvBn(f, f, 7, 1), ConvBn(f, f, 1, 7), ConvBn(f, f, 7, 1), ConvBn(f, 192, 1, 7)),
                               nn.Sequential(avg_same(), ConvBn(c, 192, 1, 1))))
        c = 768
    blocks.append(Branches(nn.Sequential(ConvBn(c, 192, 1, 1), ConvBn(192, 320, 3, 3, "valid", 2)),
                           nn.Sequential(ConvBn(c, 192, 1, 1), ConvBn(192, 192, 1, 7), ConvBn(192, 192, 7, 1), ConvBn(192, 192, 3, 3, "valid", 2)),
                           nn.MaxPool2d(3, 2)))
    c = 320 + 192 + c
    for _ in range(2):
        blocks.append(Branches(ConvBn(c, 320, 1, 1), Split(ConvBn(c, 384, 1, 1), 384, 384),
                               Split(nn.Sequential(ConvBn(c, 448, 1, 1), ConvBn(448, 384, 3, 3)), 384, 384),
                               nn.Sequential(avg_same(), ConvBn(c, 192, 1, 1))))
        c = 2048
    # Keras layers[:64] = input, the stem, mixed0 and mixed1.
    return nn.Sequential(stem, blocks[0], blocks[1]), nn.Sequential(*blocks[2:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workloads", default="")
    a = ap.parse_args()
    framework = "torch-" + a.device
    names = [w for w in a.workloads.split(",") if w]
    if torch is None:
        for n in names:
            emit(skipped(n, framework, "python3-torch is not installed (apt-get install python3-torch)"))
        return
    if a.device == "cuda" and not torch.cuda.is_available():
        for n in names:
            emit(skipped(n, framework, "no CUDA PyTorch here"))
        return
    dev = torch.device(a.device)
    if a.device == "cpu":
        torch.set_num_threads(2)
    sync = (lambda: torch.cuda.synchronize()) if a.device == "cuda" else (lambda: None)
    peak = (lambda: torch.cuda.max_memory_allocated()) if a.device == "cuda" else (lambda: None)
    for name in names:
        try:
            if name.startswith("matmul-"):
                n = int(name.split("-")[1])
                x, y = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
                ms = time_it(lambda: x @ y, sync)
                emit(row(name, framework, ms, 2 * n ** 3 * 1e-9, "GFLOP", 2 * n ** 3, peak()))
            elif name.startswith("conv-"):
                model, rest = name.split("-", 2)[1], name.split("-", 2)[2]
                layer, pas = rest.rsplit("-", 1)
                _, _, h, w, ci, k, co, s, pad = next(c for c in CONV_LAYERS if c[0] == model and c[1] == layer)
                x = torch.randn(8, ci, h, w, device=dev)
                wt = torch.randn(co, ci, k, k, device=dev)
                p = k // 2 if pad == "same" else 0
                out = F.conv2d(x, wt, stride=s, padding=p)
                dy = torch.randn_like(out)
                flops = 2 * 8 * out.shape[2] * out.shape[3] * co * ci * k * k
                fn = {
                    "fwd": lambda: F.conv2d(x, wt, stride=s, padding=p),
                    "dgrad": lambda: torch.nn.grad.conv2d_input(x.shape, wt, dy, stride=s, padding=p),
                    "wgrad": lambda: torch.nn.grad.conv2d_weight(x, wt.shape, dy, stride=s, padding=p),
                }[pas]
                ms = time_it(fn, sync)
                emit(row(name, framework, ms, flops * 1e-9, "GFLOP", flops, peak()))
            elif name.startswith("vgg16-"):
                parts = name.split("-")
                size, batch, train = int(parts[1]), int(parts[-1][1:]), "step" in name
                net = vgg16_regression(size).to(dev)
                opt = torch.optim.RMSprop([p for p in net.parameters() if p.requires_grad], lr=1e-4, alpha=0.9, eps=1e-7)
                x = torch.rand(batch, 3, size, size, device=dev) * 2 - 1
                t = torch.randn(batch, 1, device=dev)

                def step():
                    if train:
                        net.train()
                        opt.zero_grad()
                        loss = F.mse_loss(net(x), t)
                        loss.backward()
                        opt.step()
                    else:
                        net.eval()
                        with torch.no_grad():
                            net(x)

                ms = time_it(step, sync)
                emit(row(name, framework, ms, batch, "img", None, peak()))
            elif name == "mobilenet-v1-0.25-224-head-step-b8":
                backbone, head = mobilenet_head()
                backbone, head = backbone.to(dev), head.to(dev)
                opt = torch.optim.Adam(head.parameters(), lr=1e-3, eps=1e-7)
                x = torch.rand(8, 3, 224, 224, device=dev) * 2 - 1
                t = torch.arange(8, device=dev)

                def step():
                    opt.zero_grad()
                    with torch.no_grad():
                        f = backbone(x)
                    loss = F.cross_entropy(head(f), t)
                    loss.backward()
                    opt.step()

                ms = time_it(step, sync)
                emit(row(name, framework, ms, 8, "img", None, peak()))
            elif name == "inceptionv3-84-freeze64-step-b8":
                frozen, rest = inception_v3_notop()
                for p in frozen.parameters():
                    p.requires_grad_(False)
                head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1024), nn.ReLU(), nn.Dropout(0.5), nn.Linear(1024, 10))
                frozen, rest, head = frozen.to(dev), rest.to(dev), head.to(dev)
                params = list(rest.parameters()) + list(head.parameters())
                opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
                x = torch.rand(8, 3, 84, 84, device=dev) * 2 - 1
                t = torch.arange(8, device=dev)

                def step():
                    frozen.eval()  # a frozen BatchNormalization runs in inference mode
                    rest.train()
                    head.train()
                    opt.zero_grad()
                    with torch.no_grad():
                        f = frozen(x)
                    loss = F.cross_entropy(head(rest(f)), t)
                    loss.backward()
                    opt.step()

                ms = time_it(step, sync)
                emit(row(name, framework, ms, 8, "img", None, peak()))
            else:
                emit(skipped(name, framework, "not implemented for PyTorch in the bench"))
        except Exception as e:  # report and go on with the next workload
            emit(skipped(name, framework, "failed: " + str(e).splitlines()[0][:200]))


if __name__ == "__main__":
    main()
