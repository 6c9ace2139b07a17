/**
 * `cxr-findings`: one entry for every command line tool of the product. Subcommands load lazily so
 * `upload` does not pay for the model runtime and `classify` not for the HTTP client.
 */
const usage = `cxr-findings <command> [options]

Commands:
  classify <files or folders>   classify chest X-ray DICOM with the active model
  preprocess <file> --out x.npy write the model input TorchXRayVision would build, as NumPy
  model import|fetch|show       import the real TorchXRayVision weights, or show the active model
  upload <files or folders>     send DICOM to Orthanc (the sidecar classifies what arrives)
  serve                         run the sidecar (HTTP API, viewer, auto-classify); see serve --help

Run 'cxr-findings <command> --help' for a command's options.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  classify: async () => (await import('./classifyCommand.ts')).runClassifyCommand,
  preprocess: async () => (await import('./preprocessCommand.ts')).runPreprocessCommand,
  model: async () => (await import('./modelCommand.ts')).runModelCommand,
  upload: async () => (await import('./uploadCommand.ts')).runUploadCommand,
  serve: async () => (await import('../server.ts')).runServeCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`Unknown command '${name}'.\n\n${usage}`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // One line for the user; the stack only when asked for, since these are usage or input errors.
    console.error(`cxr-findings: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.CXR_DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
