import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readDicomImage } from '../dicom/index.ts';
import { encodeNpy, prepareFrameInput } from '../xray/index.ts';

export const preprocessUsage = `cxr-findings preprocess <file.dcm> --out x.npy [--resolution 224]

Writes the model's input exactly as TorchXRayVision would build it (read_xray_dcm, XRayCenterCrop,
XRayResizer) as a 1×R×R float32 NumPy array — the tensor classify feeds the model — to compare with
Python or to debug.`;

export async function runPreprocessCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      resolution: { type: 'string', default: '224' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length !== 1 || !values.out) {
    console.log(preprocessUsage);
    return values.help ? 0 : 2;
  }
  const resolution = Number(values.resolution);
  if (!Number.isInteger(resolution) || resolution < 1) throw new Error(`--resolution must be a positive integer, got '${values.resolution}'`);
  const [file] = positionals as [string];
  const image = await readDicomImage(await readFile(file));
  const { tensor, crop } = prepareFrameInput(image.frame, resolution);
  await writeFile(values.out, encodeNpy(tensor, [1, resolution, resolution]));
  console.log(`${values.out}: float32 [1, ${resolution}, ${resolution}] from a ${crop.size}² centre crop at (${crop.x}, ${crop.y}) of ${image.frame.columns}×${image.frame.rows}`);
  return 0;
}
