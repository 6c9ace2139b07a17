import { execFileSync, spawnSync } from 'node:child_process';

/** What the product itself needs on the machine: the PACS and its DICOMweb plugin. */
export const productPackages = ['orthanc', 'orthanc-dicomweb'];

/**
 * What the tests need besides: dcmtk (dsrdump, dcmdjpeg, dcmcjpeg…) and gdcm to make transfer-syntax
 * variants, OpenJPH's and OpenJPEG's own tools (ojph_compress/ojph_expand, opj_compress/opj_decompress)
 * to make HTJ2K and JPEG 2000 codestreams and decode them as references (the benchmark's J2K yardstick
 * too), netpbm's pamscale to make the benchmark's real-size images, pydicom for its corpus of odd
 * files, dicom3tools for dciodvfy and dcentvfy, PixelMed's DicomSRValidator for SR templates
 * (pixelmed-apps brings a Java runtime), Chromium for the viewer (with a font: installed without
 * recommends it has none, and its screenshots are there to be read), Debian's PostgreSQL and
 * orthanc-postgresql for Orthancs that share one database, Redis for the shared job queue (BullMQ)
 * that several sidecar workers take arrivals from.
 */
export const testPackages = [
  'dcmtk',
  'libgdcm-tools',
  'openjph-tools',
  'libopenjp2-tools',
  'netpbm',
  'python3-pydicom',
  // pydicom reads pixel data only through NumPy, which it merely recommends: the Parametric Map test reads the heatmaps with it.
  'python3-numpy',
  'dicom3tools',
  'pixelmed-apps',
  'chromium',
  'fonts-liberation',
  // Orthanc on PostgreSQL: several Orthancs sharing one index (test/support/postgres.ts starts the server).
  'postgresql',
  'orthanc-postgresql',
  'redis-server',
];

function isInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs what is missing with apt (as root); elsewhere says exactly what to install. */
export function ensureDebianPackages(packages: readonly string[]): void {
  const missing = packages.filter((p) => !isInstalled(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  console.log(`setup: installing Debian packages ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}
