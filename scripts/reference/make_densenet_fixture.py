#!/usr/bin/python3
"""Makes the committed DenseNet reference fixture that proves the TypeScript ONNX graph builder equals PyTorch.

Run with Debian's PyTorch (apt python3-torch 1.13), never the pyenv python first on PATH:

    /usr/bin/python3 scripts/reference/make_densenet_fixture.py            # writes test/fixtures/densenet/
    /usr/bin/python3 scripts/reference/make_densenet_fixture.py --full DIR  # full-size DenseNet-121, by hand

TorchXRayVision is not installed here, so the network is written out below with exactly the module names and
forward of torchxrayvision/models.py (`DenseNet`, itself torchvision's): the state-dict names are the contract.
The committed fixture uses a reduced config (growth 4, blocks (2,2,2,2), init 8, bn_size 2) so it is KBs.

Weights: seeded; BatchNorm affine parameters random, then the running statistics are accumulated from the
fixture inputs themselves (train mode, momentum None) so every layer sees non-trivial, well-scaled statistics
and the outputs spread instead of saturating. Inputs are integer-valued in [-1024, 1024] and regenerated from
integer arithmetic (xorshift32) identically by test/model/fixtureInputs.ts, so they need not be committed.

Outputs (little-endian float32 .bin + JSON index):
  reduced.weights.json / .bin   state dict without num_batches_tracked: name, shape, offset (in floats)
  reduced.outputs.json          per input: logits, probabilities (sigmoid, then op_norm with the 18 real
                                thresholds), feature-map shape; features in reduced.features.bin
"""
import argparse
import json
import os
import sys
import time
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
CARD = os.path.join(ROOT, 'models', 'densenet121-res224-all.card.json')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'densenet')
RESOLUTION = 224


class _DenseLayer(nn.Sequential):
    def __init__(self, num_input_features, growth_rate, bn_size):
        super().__init__()
        self.add_module('norm1', nn.BatchNorm2d(num_input_features))
        self.add_module('relu1', nn.ReLU(inplace=True))
        self.add_module('conv1', nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False))
        self.add_module('norm2', nn.BatchNorm2d(bn_size * growth_rate))
        self.add_module('relu2', nn.ReLU(inplace=True))
        self.add_module('conv2', nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False))

    def forward(self, x):
        new_features = super().forward(x)
        return torch.cat([x, new_features], 1)


class _DenseBlock(nn.Sequential):
    def __init__(self, num_layers, num_input_features, bn_size, growth_rate):
        super().__init__()
        for i in range(num_layers):
            self.add_module('denselayer%d' % (i + 1), _DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size))


class _Transition(nn.Sequential):
    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.add_module('norm', nn.BatchNorm2d(num_input_features))
        self.add_module('relu', nn.ReLU(inplace=True))
        self.add_module('conv', nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False))
        self.add_module('pool', nn.AvgPool2d(kernel_size=2, stride=2))


class DenseNet(nn.Module):
    def __init__(self, growth_rate, block_config, num_init_features, bn_size, num_classes, in_channels=1):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ('conv0', nn.Conv2d(in_channels, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ('norm0', nn.BatchNorm2d(num_init_features)),
            ('relu0', nn.ReLU(inplace=True)),
            ('pool0', nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module('denseblock%d' % (i + 1), _DenseBlock(num_layers, num_features, bn_size, growth_rate))
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module('transition%d' % (i + 1), _Transition(num_features, num_features // 2))
                num_features = num_features // 2
        self.features.add_module('norm5', nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

    def feature_maps(self, x):
        return F.relu(self.features(x))

    def forward(self, x):
        out = F.adaptive_avg_pool2d(self.feature_maps(x), (1, 1)).view(x.size(0), -1)
        return self.classifier(out)


def op_norm(outputs, op_threshs):
    """torchxrayvision.models.op_norm: each threshold maps to 0.5."""
    op_threshs = op_threshs.expand(outputs.shape[0], -1)
    out = torch.zeros(outputs.shape)
    leq = outputs < op_threshs
    out[leq] = outputs[leq] / (op_threshs[leq] * 2)
    out[~leq] = 1.0 - ((1.0 - outputs[~leq]) / ((1 - op_threshs[~leq]) * 2))
    return out


def xorshift32(state):
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    return state


def fixture_input(index):
    """Integer-valued [-1024, 1024] images, the same as fixtureInput(index) in test/model/fixtureInputs.ts."""
    n = RESOLUTION
    img = np.zeros((n, n), dtype=np.int64)
    state = 2463534242 + index
    for y in range(n):
        for x in range(n):
            state = xorshift32(state)
            if index == 0:  # a crude chest phantom: body, two lungs with ribs, mediastinum, some noise
                v = -1024
                if 4 * (x - 112) ** 2 + 3 * (y - 120) ** 2 < 4 * 100 ** 2:
                    v = 200
                    for cx in (70, 154):
                        if 9 * (x - cx) ** 2 + 2 * (y - 110) ** 2 < 9 * 36 ** 2:
                            v = -300 if y % 16 < 3 else -700
                    if 100 <= x < 124:
                        v = 600
                v += state % 41 - 20
            elif index == 1:  # white noise over the whole range
                v = state % 2049 - 1024
            else:  # a wrapped ramp: sharp edges at every wrap
                v = (x * 7 + y * 11) % 2049 - 1024
            img[y, x] = max(-1024, min(1024, v))
    return img.astype(np.float32)


def seeded_model(arch, num_classes, inputs, seed):
    torch.manual_seed(seed)
    model = DenseNet(arch['growthRate'], arch['blockConfig'], arch['numInitFeatures'], arch['bnSize'], num_classes)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.normal_(m.bias, 0.0, 0.2)
            m.momentum = None  # cumulative average: the running stats become those of the calibration batch
            m.reset_running_stats()
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 2.0 / m.in_features ** 0.5)
            nn.init.normal_(m.bias, 0.0, 1.0)
    model.train()
    with torch.no_grad():
        model(inputs)
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    return model


def write_weights(model, stem):
    index, chunks, offset = [], [], 0
    for name, tensor in model.state_dict().items():
        if name.endswith('num_batches_tracked'):
            continue
        data = tensor.detach().contiguous().numpy().astype('<f4').ravel()
        index.append({'name': name, 'shape': list(tensor.shape), 'offset': offset})
        chunks.append(data)
        offset += data.size
    np.concatenate(chunks).tofile(stem + '.weights.bin')
    return index


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--full', metavar='DIR', help='build a full-size DenseNet-121 (random init) into DIR instead')
    args = parser.parse_args()
    torch.set_num_threads(2)
    with open(CARD) as f:
        card = json.load(f)
    thresholds = torch.tensor(card['operatingThresholds'], dtype=torch.float32)
    num_classes = len(card['labels'])
    if args.full:
        arch, out_dir, stem_name, seed = card['architecture'], args.full, 'full', 1
    else:
        arch = {'family': 'densenet', 'growthRate': 4, 'blockConfig': [2, 2, 2, 2], 'numInitFeatures': 8, 'bnSize': 2, 'inChannels': 1}
        out_dir, stem_name, seed = OUT, 'reduced', 0
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, stem_name)

    inputs = torch.from_numpy(np.stack([fixture_input(i) for i in range(3)])[:, None])
    model = seeded_model(arch, num_classes, inputs, seed)
    index = write_weights(model, stem)

    with torch.no_grad():
        t0 = time.perf_counter()
        features = model.feature_maps(inputs)
        logits = model(inputs)
        elapsed = time.perf_counter() - t0
        probabilities = op_norm(torch.sigmoid(logits), thresholds)
    features.numpy().astype('<f4').tofile(stem + '.features.bin')

    with open(stem + '.weights.json', 'w') as f:
        json.dump({'architecture': arch, 'numClasses': num_classes, 'dtype': 'float32-le', 'tensors': index}, f, indent=1)
        f.write('\n')
    with open(stem + '.outputs.json', 'w') as f:
        json.dump({
            'made': 'scripts/reference/make_densenet_fixture.py with torch %s' % torch.__version__,
            'inputs': 'fixtureInput(0..2) of test/model/fixtureInputs.ts, [3, 1, 224, 224]',
            'featureShape': list(features.shape),
            'logits': logits.tolist(),
            'probabilities': probabilities.tolist(),
        }, f, indent=1)
        f.write('\n')
    print('%s: %d tensors, %d floats; torch forward (x2) %.1f ms for 3 images' % (
        stem, len(index), sum(int(np.prod(t['shape'])) for t in index), elapsed * 1000), file=sys.stderr)


if __name__ == '__main__':
    main()
