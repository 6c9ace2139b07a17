/** A single-channel image in TorchXRayVision's intensity scale, [-1024, 1024], row-major. */
export interface XrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Where the model's square input came from in the original image, to map results back. */
export interface CropGeometry {
  /** Top-left corner of the centre crop in original pixel coordinates. */
  readonly x: number;
  readonly y: number;
  /** Side of the square crop in original pixels. */
  readonly size: number;
  /** Side of the model input (224). */
  readonly resolution: number;
}

export interface ModelInput {
  /** resolution × resolution float32, the model's single input channel. */
  readonly tensor: Float32Array;
  readonly crop: CropGeometry;
}
