import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Runs a dcmtk or gdcm command-line tool (installed by tooling/setup/debianPackages.ts) and fails
 * with its own words when it refuses.
 */
export function runTool(tool: string, args: readonly string[]): void {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  } catch (cause) {
    const stderr = (cause as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new Error(`${tool} ${args.join(' ')} failed: ${stderr || String(cause)}`, { cause });
  }
}

/** The transfer syntax a tool actually wrote, read back with dcmdump (not with the code under test). */
export function transferSyntaxOf(file: string): string {
  const out = execFileSync('dcmdump', ['-M', '-Un', '+P', '0002,0010', file], { encoding: 'utf8' });
  const match = /\[([0-9.]+)\]/.exec(out);
  if (!match?.[1]) throw new Error(`dcmdump found no TransferSyntaxUID in ${file}: ${out}`);
  return match[1];
}

export function readBytes(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}
