#!/usr/bin/python3
"""Makes the preprocessing references of test/fixtures/xray with the Python stack TorchXRayVision runs on
(Debian bookworm: numpy 1.24, scipy 1.10, scikit-image 0.19, pydicom 2.3 decoding JPEG through Pillow).

Run with Debian's interpreter, not the pyenv one first on PATH:

    /usr/bin/python3 scripts/reference/make_xray_references.py

CI never runs this: the tests read the committed .npy files and references.json. TorchXRayVision itself is
not installed here, so its steps are written out below from its documented behaviour, each with the exact
library call it makes:
- utils.normalize(img, maxval): (2 * (img.astype(float32) / maxval) - 1) * 1024
- utils.read_xray_dcm(path) defaults: pydicom pixel_array, no VOI LUT, MONOCHROME1 -> (2^BitsStored - 1) - x
- datasets.XRayCenterCrop: side = min(h, w); start = dim // 2 - side // 2 on each axis
- datasets.XRayResizer(size): skimage.transform.resize(img, (1, size, size), mode='constant',
  preserve_range=True).astype(float32)

The synthetic images are integer formulas (see `synthetic_stored`), mirrored bit for bit in
test/xray/support/synthetic.ts, so only outputs are committed, never inputs. The real images are read from
../shared/data/cxr and are never copied into the repository.
"""
import json
import os

import numpy as np
import pydicom
import scipy
import skimage
import skimage.io
import skimage.transform

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'xray')
CXR = os.path.abspath(os.path.join(ROOT, '..', 'shared', 'data', 'cxr'))

# Synthetic cases. 'pipeline' = centre crop + XRayResizer(resolution); 'resize' = skimage resize of the whole
# image to (outHeight, outWidth) with XRayResizer's arguments, for shapes the pipeline never produces.
CASES = [
    # Non-square, odd sides, 12-bit: the crop cuts columns, the resize downsamples by 389/224.
    dict(name='landscape-odd', kind='pipeline', width=517, height=389, bits=12, bright=False, resolution=224),
    # Portrait: the crop cuts rows.
    dict(name='portrait-odd', kind='pipeline', width=301, height=454, bits=10, bright=False, resolution=96),
    # Smaller than the model input: no anti-aliasing, bilinear upsampling with zero padding at the edges.
    dict(name='upsample', kind='pipeline', width=61, height=47, bits=16, bright=False, resolution=96),
    # Large detector image: sigma 11.2, 93-tap Gaussian.
    dict(name='large', kind='pipeline', width=3001, height=2999, bits=16, bright=False, resolution=128),
    # One axis shrinks (sigma > 0), the other grows (sigma 0).
    dict(name='mixed-axes', kind='resize', width=300, height=50, bits=12, bright=False, outWidth=96, outHeight=64),
    # Every value above 0 on the [-1024, 1024] scale: the zero padding pulls edges below the input's
    # minimum and skimage's clip brings them back to it.
    dict(name='bright-clip', kind='resize', width=640, height=480, bits=12, bright=True, outWidth=80, outHeight=60),
    # Factor 45/44: sigma 0.011 gives a one-tap Gaussian.
    dict(name='near-identity', kind='resize', width=45, height=45, bits=8, bright=False, outWidth=44, outHeight=44),
    # Same size: no filter, the sampler hits pixel centres, the output is the input.
    dict(name='identity', kind='resize', width=64, height=64, bits=12, bright=False, outWidth=64, outHeight=64),
]


def synthetic_stored(width, height, bits, bright):
    """Stored values with a ramp, a disc, wrap-around edges and hashed noise; integer arithmetic only."""
    maxval = 2 ** bits - 1
    y, x = np.mgrid[0:height, 0:width].astype(np.int64)
    h32 = ((x * 73856093) & 0xFFFFFFFF) ^ ((y * 19349663) & 0xFFFFFFFF)
    noise = (h32 >> 11) % 251
    ramp = (x * 5 + y * 3) * maxval // (5 * width + 3 * height)
    dx = 2 * x - width
    dy = 2 * y - height
    m = min(width, height)
    disc = np.where(9 * (dx * dx + dy * dy) < 4 * m * m, maxval // 3, 0)
    v = (ramp + disc + noise) % (maxval + 1)
    if bright:
        # A narrow band in the upper quarter, so the edges' pull towards 0 leaves the input's range.
        v = maxval - maxval // 4 + v % (maxval // 8)
    return v.astype(np.uint16 if bits > 8 else np.uint8)


def normalize(img, maxval):
    if img.max() > maxval:
        raise ValueError(f'max image value ({img.max()}) higher than expected bound ({maxval}).')
    return (2 * (img.astype(np.float32) / maxval) - 1.0) * 1024


def center_crop(img):
    _, h, w = img.shape
    side = min(h, w)
    startx = w // 2 - side // 2
    starty = h // 2 - side // 2
    return img[:, starty:starty + side, startx:startx + side], dict(x=startx, y=starty, size=side)


def xrv_resize(img, out_height, out_width):
    return skimage.transform.resize(img, (1, out_height, out_width), mode='constant',
                                    preserve_range=True).astype(np.float32)


def read_xray_dcm(path):
    ds = pydicom.dcmread(path, force=True)
    if ds.PhotometricInterpretation not in ('MONOCHROME1', 'MONOCHROME2'):
        raise NotImplementedError(ds.PhotometricInterpretation)
    maxval = 2 ** ds.BitsStored - 1
    data = ds.pixel_array
    if ds.PhotometricInterpretation == 'MONOCHROME1':
        data = maxval - data
    return normalize(data, maxval)


def save(name, array):
    path = os.path.join(OUT, name)
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))
    return name


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = dict(
        madeBy='scripts/reference/make_xray_references.py',
        versions=dict(numpy=np.__version__, scipy=scipy.__version__, skimage=skimage.__version__,
                      pydicom=pydicom.__version__),
        synthetic=[],
        real=[],
    )

    for case in CASES:
        stored = synthetic_stored(case['width'], case['height'], case['bits'], case['bright'])
        img = normalize(stored, 2 ** case['bits'] - 1)[None]
        entry = dict(case)
        if case['kind'] == 'pipeline':
            cropped, crop = center_crop(img)
            out = xrv_resize(cropped, case['resolution'], case['resolution'])
            entry['crop'] = crop
        else:
            out = xrv_resize(img, case['outHeight'], case['outWidth'])
        entry['file'] = save(f"synthetic-{case['name']}.npy", out)
        entry['shape'] = list(out.shape)
        manifest['synthetic'].append(entry)

    # The NIH PNG through TorchXRayVision's PNG path: skimage.io.imread -> normalize(img, 255).
    png = '00000001_000.png'
    img = normalize(skimage.io.imread(os.path.join(CXR, png)), 255)[None]
    cropped, crop = center_crop(img)
    out = xrv_resize(cropped, 224, 224)
    manifest['real'].append(dict(source=png, reader='skimage.io.imread + normalize(img, 255)', crop=crop,
                                 file=save('nih-00000001_000.xrv224.npy', out), shape=list(out.shape)))

    # The SIIM DICOM through read_xray_dcm (pydicom decodes its JPEG Baseline with Pillow).
    for dcm, name in (('siim-pa-jpeg-baseline.dcm', 'siim-pa.xrv224.npy'),
                      ('siim-pa-monochrome1-jpeg-baseline.dcm', None)):
        img = read_xray_dcm(os.path.join(CXR, dcm))
        entry = dict(source=dcm, reader='read_xray_dcm defaults (pydicom pixel_array via Pillow)',
                     pixelRow60Column2=float(img[60, 2]))
        if name is not None:
            cropped, crop = center_crop(img[None])
            out = xrv_resize(cropped, 224, 224)
            entry.update(crop=crop, file=save(name, out), shape=list(out.shape))
        manifest['real'].append(entry)

    with open(os.path.join(OUT, 'references.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, to {OUT}')


if __name__ == '__main__':
    main()
