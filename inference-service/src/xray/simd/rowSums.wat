;; The resize's row sums for 16-bit unsigned samples (see simdRowSums.ts, which assembles nothing: the
;; bytes in rowSumsModule.ts are this file assembled by tooling/setup/assembleWasm.ts).
;;
;; rowSumsU16 adds `n` rows of samples, weighted, into a line of float64 sums, 8 samples per block:
;;   line[i] += Σ_k weights[k] · samples[src + k·step + 2i]   for i < 8·blocks
;; Rows are taken four at a time: each sweep along the line loads its sums once for four multiply-adds
;; per sample, and every access runs along a row, where the hardware prefetches. Widening is exact
;; (u16 → i32 → f64), sums are float64, added in row order as the scalar loop in ../rowPass.ts adds them.
;; The caller zeroes the line and leaves room for the last block to read up to 7 samples past the row.
;; The same samples' check against BitsStored is orU16, below.
(module
  (import "env" "memory" (memory 1))
  (func (export "rowSumsU16")
    (param $src i32) (param $step i32) (param $weights i32) (param $n i32) (param $line i32) (param $blocks i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $v v128) (local $lo v128) (local $hi v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $p i32) (local $q i32) (local $b i32) (local $step2 i32) (local $step3 i32)
    (local.set $step2 (i32.shl (local.get $step) (i32.const 1)))
    (local.set $step3 (i32.add (local.get $step2) (local.get $step)))
    ;; Four rows per sweep while four are left.
    (block $fours (loop $four
      (br_if $fours (i32.lt_u (local.get $n) (i32.const 4)))
      (local.set $w0 (v128.load64_splat offset=0 (local.get $weights)))
      (local.set $w1 (v128.load64_splat offset=8 (local.get $weights)))
      (local.set $w2 (v128.load64_splat offset=16 (local.get $weights)))
      (local.set $w3 (v128.load64_splat offset=24 (local.get $weights)))
      (local.set $p (local.get $src))
      (local.set $q (local.get $line))
      (local.set $b (local.get $blocks))
      (block $swept4 (loop $block4
          (br_if $swept4 (i32.eqz (local.get $b)))
          (local.set $a0 (v128.load offset=0 (local.get $q)))
          (local.set $a1 (v128.load offset=16 (local.get $q)))
          (local.set $a2 (v128.load offset=32 (local.get $q)))
          (local.set $a3 (v128.load offset=48 (local.get $q)))
          ;; + $w0 · samples at (local.get $p)
          (local.set $v (v128.load (local.get $p)))
          (local.set $lo (i32x4.extend_low_i16x8_u (local.get $v)))
          (local.set $hi (i32x4.extend_high_i16x8_u (local.get $v)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (local.get $lo)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (local.get $hi)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))))
          ;; + $w1 · samples at (i32.add (local.get $p) (local.get $step))
          (local.set $v (v128.load (i32.add (local.get $p) (local.get $step))))
          (local.set $lo (i32x4.extend_low_i16x8_u (local.get $v)))
          (local.set $hi (i32x4.extend_high_i16x8_u (local.get $v)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $w1) (f64x2.convert_low_i32x4_u (local.get $lo)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $w1) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $w1) (f64x2.convert_low_i32x4_u (local.get $hi)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $w1) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))))
          ;; + $w2 · samples at (i32.add (local.get $p) (local.get $step2))
          (local.set $v (v128.load (i32.add (local.get $p) (local.get $step2))))
          (local.set $lo (i32x4.extend_low_i16x8_u (local.get $v)))
          (local.set $hi (i32x4.extend_high_i16x8_u (local.get $v)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $w2) (f64x2.convert_low_i32x4_u (local.get $lo)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $w2) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $w2) (f64x2.convert_low_i32x4_u (local.get $hi)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $w2) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))))
          ;; + $w3 · samples at (i32.add (local.get $p) (local.get $step3))
          (local.set $v (v128.load (i32.add (local.get $p) (local.get $step3))))
          (local.set $lo (i32x4.extend_low_i16x8_u (local.get $v)))
          (local.set $hi (i32x4.extend_high_i16x8_u (local.get $v)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $w3) (f64x2.convert_low_i32x4_u (local.get $lo)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $w3) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $w3) (f64x2.convert_low_i32x4_u (local.get $hi)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $w3) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))))
          (v128.store offset=0 (local.get $q) (local.get $a0))
          (v128.store offset=16 (local.get $q) (local.get $a1))
          (v128.store offset=32 (local.get $q) (local.get $a2))
          (v128.store offset=48 (local.get $q) (local.get $a3))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $b (i32.sub (local.get $b) (i32.const 1)))
          (br $block4)))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $step) (i32.const 2))))
      (local.set $weights (i32.add (local.get $weights) (i32.const 32)))
      (local.set $n (i32.sub (local.get $n) (i32.const 4)))
      (br $four)))
    ;; Then the last one to three rows, one per sweep.
    (block $ones (loop $one
      (br_if $ones (i32.eqz (local.get $n)))
      (local.set $w0 (v128.load64_splat (local.get $weights)))
      (local.set $p (local.get $src))
      (local.set $q (local.get $line))
      (local.set $b (local.get $blocks))
      (block $swept1 (loop $block1
          (br_if $swept1 (i32.eqz (local.get $b)))
          (local.set $a0 (v128.load offset=0 (local.get $q)))
          (local.set $a1 (v128.load offset=16 (local.get $q)))
          (local.set $a2 (v128.load offset=32 (local.get $q)))
          (local.set $a3 (v128.load offset=48 (local.get $q)))
          ;; + $w0 · samples at (local.get $p)
          (local.set $v (v128.load (local.get $p)))
          (local.set $lo (i32x4.extend_low_i16x8_u (local.get $v)))
          (local.set $hi (i32x4.extend_high_i16x8_u (local.get $v)))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (local.get $lo)))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lo) (local.get $lo))))))
          (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (local.get $hi)))))
          (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $w0) (f64x2.convert_low_i32x4_u (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $hi) (local.get $hi))))))
          (v128.store offset=0 (local.get $q) (local.get $a0))
          (v128.store offset=16 (local.get $q) (local.get $a1))
          (v128.store offset=32 (local.get $q) (local.get $a2))
          (v128.store offset=48 (local.get $q) (local.get $a3))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 64)))
          (local.set $b (i32.sub (local.get $b) (i32.const 1)))
          (br $block1)))
      (local.set $src (i32.add (local.get $src) (local.get $step)))
      (local.set $weights (i32.add (local.get $weights) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $one))))

  ;; orU16 ORs `blocks` blocks of 8 samples from `p` together: one bit set at or above BitsStored in any
  ;; sample shows in the result (the caller zeroes the slack past the last sample).
  (func (export "orU16") (param $p i32) (param $blocks i32) (result i32)
    (local $acc v128)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $blocks)))
      (local.set $acc (v128.or (local.get $acc) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $blocks (i32.sub (local.get $blocks) (i32.const 1)))
      (br $next)))
    ;; Fold the eight 16-bit lanes into the first.
    (local.set $acc (v128.or (local.get $acc) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (local.set $acc (v128.or (local.get $acc) (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $acc) (local.get $acc))))
    (local.set $acc (v128.or (local.get $acc) (i8x16.shuffle 2 3 0 1 2 3 0 1 2 3 0 1 2 3 0 1 (local.get $acc) (local.get $acc))))
    (i32.and (i32x4.extract_lane 0 (local.get $acc)) (i32.const 0xffff)))

;;
  ;; columnSums reduces one line of row sums to an output row, two output columns a step (one per lane):
  ;;   out[o] = f32(slope · Σ_k weights[o][k] · line[start[o] + k] + ones · xSums[o])
  ;; each column's taps added one after another from 0, in the order of resize.ts's scalar reduceColumns,
  ;; so the same doubles and the same float32s. A pair's 16-byte record at `meta` holds the byte offsets of
  ;; its two first taps in the line and its tap count, the larger of the two; the shorter column's extra
  ;; weights are 0, which adds +0 to a sum of non-negative products, an exact no-op. The pair's weights are
  ;; interleaved (column a, column b) at `weights`, `weightStep` bytes a pair; its two xSums at `xSums`.
  ;; `pairs` pairs, each storing two float32s (an odd width's last pair: a padding lane's, never read).
  (func (export "columnSums")
    (param $line i32) (param $meta i32) (param $weights i32) (param $weightStep i32) (param $xSums i32)
    (param $pairs i32) (param $slope f64) (param $ones f64) (param $out i32)
    (local $a i32) (local $b i32) (local $k i32) (local $w i32) (local $acc v128) (local $v v128)
    (local $slopes v128) (local $oness v128)
    (local.set $slopes (f64x2.splat (local.get $slope)))
    (local.set $oness (f64x2.splat (local.get $ones)))
    (block $done (loop $pair
      (br_if $done (i32.eqz (local.get $pairs)))
      (local.set $a (i32.add (local.get $line) (i32.load offset=0 (local.get $meta))))
      (local.set $b (i32.add (local.get $line) (i32.load offset=4 (local.get $meta))))
      (local.set $k (i32.load offset=8 (local.get $meta)))
      (local.set $w (local.get $weights))
      (local.set $acc (f64x2.splat (f64.const 0)))
      (block $summed (loop $tap
        (br_if $summed (i32.eqz (local.get $k)))
        (local.set $v (v128.load64_lane 1 (local.get $b) (v128.load64_zero (local.get $a))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (v128.load (local.get $w)) (local.get $v))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $tap)))
      (local.set $v (f32x4.demote_f64x2_zero (f64x2.add
        (f64x2.mul (local.get $slopes) (local.get $acc))
        (f64x2.mul (local.get $oness) (v128.load (local.get $xSums))))))
      (v128.store64_lane 0 (local.get $out) (local.get $v))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (local.set $meta (i32.add (local.get $meta) (i32.const 16)))
      (local.set $weights (i32.add (local.get $weights) (local.get $weightStep)))
      (local.set $xSums (i32.add (local.get $xSums) (i32.const 16)))
      (local.set $pairs (i32.sub (local.get $pairs) (i32.const 1)))
      (br $pair)))
  )
)
