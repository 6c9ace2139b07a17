#!/usr/bin/python3
"""Makes the PyTorch checkpoint fixtures of test/fixtures/torch with real PyTorch (Debian python3-torch 1.13).

Run with Debian's interpreter, not the pyenv one first on PATH:

    /usr/bin/python3 scripts/reference/make_torch_fixtures.py            # the committed fixtures (KBs)
    /usr/bin/python3 scripts/reference/make_torch_fixtures.py --full DIR  # a full-size DenseNet-121 (~28 MB), by hand

CI never runs this: it uses the committed files. The network is written here from TorchXRayVision's
published architecture (models.py of the release that trained the weights: DenseNet-BC with `features`
and `classifier`, forward = features -> ReLU -> global average pool -> classifier), and its classes are
registered under the module name `torchxrayvision.models`, so `torch.save(model)` records the same class
paths as the upstream weights file does.
"""
import argparse
import hashlib
import json
import os
import sys
import types
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'torch')
CARD = os.path.join(ROOT, 'models', 'densenet121-res224-all.card.json')
# The file a malicious fixture would create if anything ever executed it; tests assert it never appears.
PWNED = '/tmp/cxr-findings-pickle-was-executed'

xrv_models = types.ModuleType('torchxrayvision.models')
xrv_package = types.ModuleType('torchxrayvision')
xrv_package.models = xrv_models
sys.modules['torchxrayvision'] = xrv_package
sys.modules['torchxrayvision.models'] = xrv_models


def in_xrv(cls):
    """Pickle records `cls.__module__`.`cls.__qualname__`: make it TorchXRayVision's."""
    cls.__module__ = 'torchxrayvision.models'
    setattr(xrv_models, cls.__name__, cls)
    return cls


@in_xrv
class _DenseLayer(nn.Sequential):
    def __init__(self, in_features, growth, bn_size):
        super().__init__()
        self.add_module('norm1', nn.BatchNorm2d(in_features))
        self.add_module('relu1', nn.ReLU(inplace=True))
        self.add_module('conv1', nn.Conv2d(in_features, bn_size * growth, kernel_size=1, stride=1, bias=False))
        self.add_module('norm2', nn.BatchNorm2d(bn_size * growth))
        self.add_module('relu2', nn.ReLU(inplace=True))
        self.add_module('conv2', nn.Conv2d(bn_size * growth, growth, kernel_size=3, stride=1, padding=1, bias=False))
        self.drop_rate = 0

    def forward(self, x):
        return torch.cat([x, super().forward(x)], 1)


@in_xrv
class _DenseBlock(nn.Sequential):
    def __init__(self, num_layers, in_features, bn_size, growth):
        super().__init__()
        for i in range(num_layers):
            self.add_module('denselayer%d' % (i + 1), _DenseLayer(in_features + i * growth, growth, bn_size))


@in_xrv
class _Transition(nn.Sequential):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.add_module('norm', nn.BatchNorm2d(in_features))
        self.add_module('relu', nn.ReLU(inplace=True))
        self.add_module('conv', nn.Conv2d(in_features, out_features, kernel_size=1, stride=1, bias=False))
        self.add_module('pool', nn.AvgPool2d(kernel_size=2, stride=2))


@in_xrv
class DenseNet(nn.Module):
    def __init__(self, growth_rate, block_config, num_init_features, bn_size, num_classes=18, in_channels=1):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ('conv0', nn.Conv2d(in_channels, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ('norm0', nn.BatchNorm2d(num_init_features)),
            ('relu0', nn.ReLU(inplace=True)),
            ('pool0', nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        n = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module('denseblock%d' % (i + 1), _DenseBlock(num_layers, n, bn_size, growth_rate))
            n += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module('transition%d' % (i + 1), _Transition(n, n // 2))
                n //= 2
        self.features.add_module('norm5', nn.BatchNorm2d(n))
        self.classifier = nn.Linear(n, num_classes)
        # As the release that trained the weights: a plain attribute, not a buffer (None in the saved file).
        self.op_threshs = None

    def forward_features(self, x):
        return F.relu(self.features(x))

    def forward(self, x):
        out = F.adaptive_avg_pool2d(self.forward_features(x), (1, 1)).flatten(1)
        return self.classifier(out)


@in_xrv
class ResNet(nn.Module):
    """Not a DenseNet: what a user might hand the importer by mistake."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.fc = nn.Linear(8, 18)


# PyTorch <= 1.1 pickled every module's `_backend` as a call of torch.nn.backends.thnn._get_thnn_function_backend.
# Debian's torch has no such module any more; a stand-in registered under that name makes pickle record the
# same global, so the reader is proven on the layout of files from that era.
thnn = types.ModuleType('torch.nn.backends.thnn')
sys.modules['torch.nn.backends.thnn'] = thnn


def _get_thnn_function_backend():
    return None


_get_thnn_function_backend.__module__ = 'torch.nn.backends.thnn'
thnn._get_thnn_function_backend = _get_thnn_function_backend


class OldBackend:
    def __reduce__(self):
        return (_get_thnn_function_backend, ())


class OldParameter:
    """PyTorch 0.4 pickled a Parameter as a call of the Parameter class itself on (data, requires_grad)."""

    def __init__(self, p):
        self.data = p.detach()

    def __reduce__(self):
        return (nn.Parameter, (self.data, True))


class RunsShellCommand:
    """Pickles as a call of os.system (recorded as posix.system) WITHOUT running it: __reduce__ only describes it."""

    def __reduce__(self):
        return (os.system, ('touch ' + PWNED,))


class EvaluatesCode:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch %s')" % PWNED,))


def op_norm(p, thresholds):
    t = torch.tensor(thresholds, dtype=torch.float64)
    p = p.double()
    return torch.where(p < t, p / (2 * t), 1 - (1 - p) / (2 * (1 - t)))


def fixed_inputs(resolution=224):
    """Integer-valued inputs in [-1024, 1024] that the TypeScript tests rebuild exactly (see the test's twin)."""
    y, x = np.meshgrid(np.arange(resolution, dtype=np.int64), np.arange(resolution, dtype=np.int64), indexing='ij')
    pattern = (x * x + 3 * y * y + 5 * x * y + 7 * x) % 2049 - 1024
    blob = np.maximum(1024 - ((x - 150) ** 2 + (y - 80) ** 2) // 8, -1024) + ((x * 7 + y * 13) % 97) - 48
    blob = np.clip(blob, -1024, 1024)
    return torch.from_numpy(np.stack([pattern, blob])[:, None].astype(np.float32))


def seed_batchnorm_stats(model, inputs):
    """Real BatchNorm statistics: one cumulative pass in training mode over the inputs, then a seeded jitter."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None
            m.reset_running_stats()
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    model.train()
    with torch.no_grad():
        model(inputs)
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
            with torch.no_grad():
                m.running_mean.add_(torch.randn_like(m.running_mean) * 0.05)
                m.running_var.mul_(torch.empty_like(m.running_var).uniform_(0.9, 1.1))


def make_densenet(arch, num_classes, inputs, seed):
    torch.manual_seed(seed)
    model = DenseNet(arch['growthRate'], tuple(arch['blockConfig']), arch['numInitFeatures'], arch['bnSize'], num_classes)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
    seed_batchnorm_stats(model, inputs)
    with torch.no_grad():
        # Spread the logits over a few units so that sigmoid and op_norm are exercised on both sides.
        model.classifier.weight.normal_(0, 2.0 / model.classifier.in_features ** 0.5)
        model.classifier.bias.uniform_(-5.5, -0.5)
    return model


def reference_outputs(model, inputs, thresholds, cam_finding, crop):
    with torch.no_grad():
        features = model.forward_features(inputs)
        logits = model.classifier(features.mean(dim=(2, 3)))
        probabilities = op_norm(torch.sigmoid(logits), thresholds)
        w = model.classifier.weight[cam_finding]
        cam = torch.einsum('k,nkhw->nhw', w, features)
        up = F.interpolate(cam[:, None], size=(crop['size'], crop['size']), mode='bilinear', align_corners=False)[:, 0]
    images = []
    for n in range(inputs.shape[0]):
        m = up[n].numpy().astype(np.float64)
        peak_index = int(np.argmax(m))
        py, px = divmod(peak_index, m.shape[1])
        # The region's level is relative to the map's range (min-max normalised, as CAMs are shown), since
        # a finding's map can be negative everywhere.
        level = m.min() + 0.5 * (m[py, px] - m.min())
        rows = np.nonzero((m >= level).any(axis=1))[0]
        cols = np.nonzero((m >= level).any(axis=0))[0]
        step = 13
        images.append({
            'logits': logits[n].tolist(),
            'probabilities': probabilities[n].tolist(),
            'cam7': cam[n].flatten().tolist(),
            'camUpsampledPeak': {'x': crop['x'] + px, 'y': crop['y'] + py, 'value': float(m[py, px])},
            'camUpsampledBox': {
                'level': 0.5,
                'x0': crop['x'] + int(cols[0]), 'y0': crop['y'] + int(rows[0]),
                'x1': crop['x'] + int(cols[-1]), 'y1': crop['y'] + int(rows[-1]),
            },
            'camUpsampledSampleStep': step,
            'camUpsampledSamples': m[::step, ::step].flatten().tolist(),
        })
    return images


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def save_legacy(obj, path):
    torch.save(obj, path, _use_new_zipfile_serialization=False)


def make_committed_fixtures(card):
    os.makedirs(OUT, exist_ok=True)
    thresholds = card['operatingThresholds']
    inputs = fixed_inputs()
    arch = {'growthRate': 4, 'blockConfig': [2, 3, 2, 1], 'numInitFeatures': 8, 'bnSize': 2}
    model = make_densenet(arch, 18, inputs, seed=3)
    # Upsampling target: a 300x260 original whose centre crop is 260x260 at x=20 (XRayCenterCrop).
    crop = {'x': 20, 'y': 0, 'size': 260, 'resolution': 224}
    cam_finding = 10
    files = {
        'legacyModule': 'tiny-densenet.legacy.pt',
        'zipStateDict': 'tiny-densenet.state-dict.zip.pt',
        'halfZipStateDict': 'tiny-densenet.half.state-dict.zip.pt',
    }
    save_legacy(model, os.path.join(OUT, files['legacyModule']))
    old = make_densenet(arch, 18, inputs, seed=3)
    for m in old.modules():
        m._backend = OldBackend()
        for name, p in list(m._parameters.items()):
            if p is not None:
                m._parameters[name] = OldParameter(p)
    save_legacy(old, os.path.join(OUT, 'tiny-densenet.old-torch-layout.legacy.pt'))
    torch.save(model.state_dict(), os.path.join(OUT, files['zipStateDict']))
    torch.save({k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()},
               os.path.join(OUT, files['halfZipStateDict']))
    expected = {
        'made': 'scripts/reference/make_torch_fixtures.py with torch %s' % torch.__version__,
        'architecture': {**arch, 'inChannels': 1, 'numClasses': 18},
        'stateDictNames': list(model.state_dict().keys()),
        'files': {k: {'file': v, 'sha256': sha256(os.path.join(OUT, v))} for k, v in files.items()},
        'inputs': ['pattern', 'blob'],
        'camFinding': cam_finding,
        'crop': crop,
        'originalSize': {'width': 300, 'height': 260},
        'images': reference_outputs(model, inputs, thresholds, cam_finding, crop),
    }
    with open(os.path.join(OUT, 'tiny-densenet.expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)

    # The same tiny model in half precision: what it computes after conversion to float32.
    half_model = make_densenet(arch, 18, inputs, seed=3)
    half_model.load_state_dict({k: v.half().float() if v.is_floating_point() else v for k, v in model.state_dict().items()})
    with open(os.path.join(OUT, 'tiny-densenet.half.expected.json'), 'w') as f:
        json.dump({'images': reference_outputs(half_model, inputs, thresholds, cam_finding, crop)}, f, indent=1)

    # Tensors the reader must get right beyond plain contiguous float32.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensors = OrderedDict([
        ('transposed', base.t()),                 # stride (1, 6)
        ('sliced', base[1:3, 2:5]),               # storage offset 8, stride (6, 1)
        ('stepped', base[:, ::2]),                # stride (6, 2)
        ('shares_storage', base[2]),              # offset 12
        ('half', torch.tensor([1.5, -2.25, 65504.0, 6.1035156e-05, 5.9604645e-08, 0.0], dtype=torch.float16)),
        ('bfloat16', torch.tensor([1.5, -3.0, 1e30, 3.14159], dtype=torch.bfloat16)),
        ('double', torch.tensor([[1.0 / 3, -2.5e300]], dtype=torch.float64)),
        ('int16', torch.tensor([-32768, 1234], dtype=torch.int16)),
        ('int8', torch.tensor([-128, 127], dtype=torch.int8)),
        ('int64', torch.tensor([-(2 ** 40), 7], dtype=torch.int64)),
        ('int32', torch.tensor([-5, 2 ** 30], dtype=torch.int32)),
        ('uint8', torch.tensor([0, 255], dtype=torch.uint8)),
        ('bool', torch.tensor([True, False, True])),
        ('scalar', torch.tensor(4.5)),
        ('parameter', nn.Parameter(torch.tensor([0.25, 0.5]))),
    ])
    for name, fmt in (('tensors.legacy.pt', 'legacy'), ('tensors.zip.pt', 'zip')):
        (save_legacy if fmt == 'legacy' else torch.save)(tensors, os.path.join(OUT, name))
    with open(os.path.join(OUT, 'tensors.expected.json'), 'w') as f:
        json.dump({k: {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape),
                       'values': v.detach().flatten().tolist()} for k, v in tensors.items()}, f, indent=1)

    # Files the importer must refuse.
    save_legacy({'state_dict': RunsShellCommand()}, os.path.join(OUT, 'evil-posix-system.legacy.pt'))
    torch.save({'state_dict': EvaluatesCode()}, os.path.join(OUT, 'evil-builtins-eval.zip.pt'))
    torch.manual_seed(5)
    save_legacy(ResNet(), os.path.join(OUT, 'not-densenet-resnet.legacy.pt'))
    save_legacy(make_densenet(arch, 14, inputs, seed=4), os.path.join(OUT, 'densenet-14-classes.legacy.pt'))
    assert not os.path.exists(PWNED), 'making the malicious fixtures must not run them'


def make_full(card, out_dir, npy_inputs):
    """A full-size DenseNet-121 as upstream (whole module, legacy format), with torch's outputs to compare."""
    os.makedirs(out_dir, exist_ok=True)
    inputs = fixed_inputs()
    torch.set_num_threads(2)
    model = make_densenet(card['architecture'], 18, inputs, seed=121)
    path = os.path.join(out_dir, 'full-densenet121.legacy.pt')
    save_legacy(model, path)
    named = [('pattern', inputs[0:1]), ('blob', inputs[1:2])]
    for p in npy_inputs:
        named.append((os.path.basename(p), torch.from_numpy(np.load(p).astype(np.float32)).reshape(1, 1, 224, 224)))
    results = {}
    crop = {'x': 0, 'y': 0, 'size': 224, 'resolution': 224}
    for name, x in named:
        results[name] = reference_outputs(model, x, card['operatingThresholds'], 10, crop)[0]
        del results[name]['camUpsampledSamples']
    with open(os.path.join(out_dir, 'full-densenet121.expected.json'), 'w') as f:
        json.dump({'file': path, 'size': os.path.getsize(path), 'sha256': sha256(path), 'images': results}, f, indent=1)
    print('wrote', path, os.path.getsize(path), 'bytes')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--full', metavar='DIR', help='write a full-size DenseNet-121 there instead (not committed)')
    parser.add_argument('--npy', nargs='*', default=[], help='with --full: 1x224x224 inputs (cxr-findings preprocess) to record')
    args = parser.parse_args()
    with open(CARD) as f:
        card = json.load(f)
    if args.full:
        make_full(card, args.full, args.npy)
    else:
        make_committed_fixtures(card)


if __name__ == '__main__':
    main()
