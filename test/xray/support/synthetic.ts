/**
 * The synthetic stored images of scripts/reference/make_xray_references.py (`synthetic_stored`), bit for
 * bit: a ramp, a disc, wrap-around edges and hashed noise, all in integer arithmetic so that numpy and
 * JavaScript agree exactly. Only the references' outputs are committed; inputs are made here.
 */
export function syntheticStored(width: number, height: number, bits: number, bright: boolean): Uint16Array {
  const maxval = 2 ** bits - 1;
  const m = Math.min(width, height);
  const disc = Math.floor(maxval / 3);
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Math.imul keeps the low 32 bits of the product, as the Python side's `& 0xFFFFFFFF` does.
      const h32 = (Math.imul(x, 73856093) ^ Math.imul(y, 19349663)) >>> 0;
      const noise = (h32 >>> 11) % 251;
      const ramp = Math.floor(((x * 5 + y * 3) * maxval) / (5 * width + 3 * height));
      const dx = 2 * x - width;
      const dy = 2 * y - height;
      const inDisc = 9 * (dx * dx + dy * dy) < 4 * m * m;
      let v = (ramp + (inDisc ? disc : 0) + noise) % (maxval + 1);
      if (bright) v = maxval - Math.floor(maxval / 4) + (v % Math.floor(maxval / 8));
      out[y * width + x] = v;
    }
  }
  return out;
}
