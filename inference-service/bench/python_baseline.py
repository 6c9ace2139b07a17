#!/usr/bin/python3
"""The Python pipeline this product replaces, timed on the same machine for comparison (not a test).

TorchXRayVision's steps with their libraries: pydicom reads and decodes the DICOM, read_xray_dcm's scaling,
XRayCenterCrop, XRayResizer (skimage.transform.resize), then the DenseNet-121 forward pass in PyTorch with
sigmoid and op_norm. TorchXRayVision itself is not installed here; its DenseNet comes from
scripts/reference/make_densenet_fixture.py (same modules and forward; random weights: speed only).

    /usr/bin/python3 inference-service/bench/python_baseline.py FILE.dcm [runs]
    /usr/bin/python3 inference-service/bench/python_baseline.py --files A.dcm B.dcm ...

Prints one JSON line: median milliseconds per stage at batch 1; with --files, each file once (what a
script over a folder does), timed from outside together with the interpreter's start-up.
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import pydicom
import skimage.transform
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
spec = importlib.util.spec_from_file_location('densenet_fixture', os.path.join(ROOT, 'scripts', 'reference', 'make_densenet_fixture.py'))
fixture = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixture)


def read_xray_dcm(path):
    ds = pydicom.dcmread(path)
    img = ds.pixel_array.astype(np.float32)
    max_value = 2 ** int(ds.BitsStored) - 1
    if ds.PhotometricInterpretation == 'MONOCHROME1':
        img = max_value - img
    return (2 * (img / max_value) - 1.0) * 1024


def center_crop(img):
    y, x = img.shape
    crop = min(x, y)
    sx, sy = x // 2 - crop // 2, y // 2 - crop // 2
    return img[sy:sy + crop, sx:sx + crop]


def load_model():
    torch.set_num_threads(2)
    with open(os.path.join(ROOT, 'models', 'densenet121-res224-all.card.json')) as f:
        card = json.load(f)
    arch = card['architecture']
    model = fixture.DenseNet(arch['growthRate'], tuple(arch['blockConfig']), arch['numInitFeatures'], arch['bnSize'], len(card['labels'])).eval()
    return card, model, torch.tensor(card['operatingThresholds'])


def classify_files(paths):
    card, model, thresholds = load_model()
    for path in paths:
        img = read_xray_dcm(path)
        x = skimage.transform.resize(center_crop(img)[None], (1, 224, 224), mode='constant', preserve_range=True).astype(np.float32)
        with torch.no_grad():
            out = fixture.op_norm(torch.sigmoid(model(torch.from_numpy(x)[None])), thresholds)
        assert out.shape == (1, len(card['labels']))
    print(json.dumps({'files': len(paths)}))


def main():
    if sys.argv[1] == '--files':
        return classify_files(sys.argv[2:])
    path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
    card, model, thresholds = load_model()
    stages = {'decode': [], 'preprocess': [], 'inference': []}
    for i in range(runs + 2):
        t0 = time.perf_counter()
        img = read_xray_dcm(path)
        t1 = time.perf_counter()
        x = skimage.transform.resize(center_crop(img)[None], (1, 224, 224), mode='constant', preserve_range=True).astype(np.float32)
        t2 = time.perf_counter()
        with torch.no_grad():
            out = fixture.op_norm(torch.sigmoid(model(torch.from_numpy(x)[None])), thresholds)
        t3 = time.perf_counter()
        assert out.shape == (1, len(card['labels']))
        if i >= 2:
            stages['decode'].append((t1 - t0) * 1000)
            stages['preprocess'].append((t2 - t1) * 1000)
            stages['inference'].append((t3 - t2) * 1000)
    print(json.dumps({k: float(np.median(v)) for k, v in stages.items()}))


if __name__ == '__main__':
    main()
