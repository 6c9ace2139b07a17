/**
 * The fixture's model inputs, regenerated from integer arithmetic exactly as `fixture_input` in
 * scripts/reference/make_densenet_fixture.py does, so they need not be committed. Every value is an integer
 * in [-1024, 1024], exact in float32 on both sides.
 */
export const fixtureResolution = 224;
export const fixtureInputCount = 3;

function xorshift32(state: number): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}

export function fixtureInput(index: number): Float32Array {
  const n = fixtureResolution;
  const img = new Float32Array(n * n);
  let state = (2463534242 + index) >>> 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      state = xorshift32(state);
      let v: number;
      if (index === 0) {
        v = -1024;
        if (4 * (x - 112) ** 2 + 3 * (y - 120) ** 2 < 4 * 100 ** 2) {
          v = 200;
          for (const cx of [70, 154]) {
            if (9 * (x - cx) ** 2 + 2 * (y - 110) ** 2 < 9 * 36 ** 2) v = y % 16 < 3 ? -300 : -700;
          }
          if (x >= 100 && x < 124) v = 600;
        }
        v += (state % 41) - 20;
      } else if (index === 1) {
        v = (state % 2049) - 1024;
      } else {
        v = ((x * 7 + y * 11) % 2049) - 1024;
      }
      img[y * n + x] = Math.max(-1024, Math.min(1024, v));
    }
  }
  return img;
}
