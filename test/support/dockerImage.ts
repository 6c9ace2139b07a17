/**
 * A Docker image's file tree, built without a Docker engine from the Dockerfile's own instructions, and
 * its command run from that tree. Each stage's tree is a folder that a private mount namespace binds at
 * the stage's WORKDIR, so RUN lines and the image's command see the paths they would see in a container
 * (`/app/...`). What a base image brings is stood in for by the host: its Debian userland, a `node` user
 * (uid 1000, as in the official node images) and the Node binary given.
 *
 * Only what the project's Dockerfile uses is understood: FROM [AS], WORKDIR (absolute), COPY [--from]
 * (files, folders, `*` globs, the context filtered by .dockerignore), RUN, ENV, USER, EXPOSE, CMD
 * (JSON form). Anything else is an error, so the Dockerfile cannot drift from what this proves.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly line: number;
}

export interface ImageStage {
  readonly name?: string;
  /** The host folder holding the stage's WORKDIR tree. */
  readonly root: string;
  workdir?: string;
  readonly env: Record<string, string>;
  user?: string;
  cmd?: string[];
  readonly exposed: string[];
}

export interface BuiltImage {
  readonly stages: readonly ImageStage[];
  readonly final: ImageStage;
  /** Removes every stage's tree. */
  remove(): Promise<void>;
}

export interface BuildOptions {
  readonly dockerfile: string;
  /** The build context (docker-compose's `context`). */
  readonly context: string;
  /** The folder holding the `node` that stands for the base image's. */
  readonly nodeBinDir: string;
  /** Called with each RUN line before it runs, for a log. */
  readonly onRun?: (command: string) => void;
}

function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (pending === '') startLine = index + 1;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = `${pending}${line}`.trim();
    pending = '';
    const space = whole.search(/\s/);
    instructions.push({ op: whole.slice(0, space).toUpperCase(), args: whole.slice(space + 1).trim(), line: startLine });
  }
  return instructions;
}

/** `KEY=value KEY2="value 2"` → entries. */
function parseEnv(args: string): [string, string][] {
  const entries: [string, string][] = [];
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|(\S*))/g)) {
    entries.push([match[1] ?? '', match[3] ?? match[4] ?? '']);
  }
  return entries;
}

function globRegExp(pattern: string): RegExp {
  // `**/` matches any number of leading folders, `*` anything within one name.
  const escaped = pattern
    .split('**/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('(?:.*/)?');
  return new RegExp(`^${escaped}$`);
}

async function readDockerignore(context: string): Promise<RegExp[]> {
  const text = await readFile(join(context, '.dockerignore'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => globRegExp(l.replace(/\/$/, '')));
}

export async function buildImageTree(options: BuildOptions): Promise<BuiltImage> {
  const instructions = parseDockerfile(await readFile(options.dockerfile, 'utf8'));
  const ignored = await readDockerignore(options.context);
  const isIgnored = (path: string): boolean => {
    const rel = relative(options.context, path);
    // A pattern excludes a path and everything below it, as Docker's matcher does.
    return rel !== '' && ignored.some((re) => rel.split('/').some((_, i, parts) => re.test(parts.slice(0, i + 1).join('/'))));
  };
  const work = await mkdtemp(join(tmpdir(), 'cxr-image-'));
  const stages: ImageStage[] = [];
  const etc = await hostEtcWithNodeUser(work);

  const stage = (): ImageStage => {
    const current = stages.at(-1);
    if (!current) throw new Error('Dockerfile: an instruction before FROM');
    return current;
  };
  const inTree = (s: ImageStage, containerPath: string): string => {
    const workdir = s.workdir ?? '/';
    const absolute = posix.isAbsolute(containerPath) ? containerPath : posix.join(workdir, containerPath);
    if (absolute !== workdir && !absolute.startsWith(`${workdir}/`)) {
      throw new Error(`Dockerfile: ${containerPath} is outside WORKDIR ${workdir}, which is all this build keeps`);
    }
    return join(s.root, absolute.slice(workdir.length));
  };

  for (const { op, args, line } of instructions) {
    const where = `Dockerfile line ${line}`;
    switch (op) {
      case 'FROM': {
        const [, name] = args.split(/\s+as\s+/i);
        const root = join(work, `stage-${stages.length}`);
        await mkdir(root);
        stages.push({ ...(name ? { name } : {}), root, env: {}, exposed: [] });
        break;
      }
      case 'WORKDIR':
        if (!posix.isAbsolute(args)) throw new Error(`${where}: WORKDIR must be absolute`);
        if (stage().workdir !== undefined && stage().workdir !== args) throw new Error(`${where}: one WORKDIR per stage`);
        stage().workdir = args;
        break;
      case 'ENV':
        for (const [key, value] of parseEnv(args)) stage().env[key] = value;
        break;
      case 'USER':
        stage().user = args;
        break;
      case 'EXPOSE':
        stage().exposed.push(...args.split(/\s+/));
        break;
      case 'CMD':
        stage().cmd = JSON.parse(args) as string[];
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const from = words[0]?.startsWith('--from=') ? words.shift()?.slice('--from='.length) : undefined;
        if (words.some((w) => w.startsWith('--'))) throw new Error(`${where}: only COPY --from is understood`);
        const dest = words.pop() ?? '';
        const source = from === undefined ? undefined : stages.find((s) => s.name === from);
        if (from !== undefined && !source) throw new Error(`${where}: no stage named ${from}`);
        const targetDir = dest.endsWith('/') || words.length > 1;
        for (const pattern of words) {
          const matches = source ? [inTree(source, pattern)] : await globContext(options.context, pattern);
          if (matches.length === 0) throw new Error(`${where}: COPY ${pattern} matches nothing`);
          for (const match of matches) {
            // A folder's contents go to the destination itself, a file into it when it names a folder (Docker's rules).
            const isDir = (await stat(match)).isDirectory();
            const target = inTree(stage(), targetDir && !isDir ? posix.join(dest, basename(match)) : dest);
            await mkdir(dirname(target), { recursive: true });
            await cp(match, target, { recursive: true, filter: (p) => source !== undefined || !isIgnored(p) });
          }
        }
        break;
      }
      case 'RUN':
        options.onRun?.(args);
        await runInTree(stage(), etc, options.nodeBinDir, ['sh', '-c', args], join(work, `run-${line}`)).catch((cause: unknown) => {
          throw new Error(`${where}: RUN failed: ${args}`, { cause });
        });
        break;
      default:
        throw new Error(`${where}: ${op} is not understood by this build`);
    }
  }
  const final = stage();
  return { stages, final, remove: () => rm(work, { recursive: true, force: true }) };
}

async function globContext(context: string, pattern: string): Promise<string[]> {
  if (!pattern.includes('*')) return [join(context, pattern)];
  const dir = dirname(pattern);
  const re = globRegExp(basename(pattern));
  const names = await readdir(join(context, dir));
  return names.filter((n) => re.test(n)).map((n) => join(context, dir, n));
}

/** The host's /etc/passwd and /etc/group with the official node images' `node` user (1000:1000) added. */
async function hostEtcWithNodeUser(work: string): Promise<{ passwd: string; group: string }> {
  const passwd = join(work, 'passwd');
  const group = join(work, 'group');
  const hostPasswd = await readFile('/etc/passwd', 'utf8');
  const hostGroup = await readFile('/etc/group', 'utf8');
  await writeFile(passwd, /^node:/m.test(hostPasswd) ? hostPasswd : `${hostPasswd.trimEnd()}\nnode:x:1000:1000::/home/node:/bin/sh\n`);
  await writeFile(group, /^node:/m.test(hostGroup) ? hostGroup : `${hostGroup.trimEnd()}\nnode:x:1000:\n`);
  return { passwd, group };
}

export interface Mount {
  /** A host folder (a bind mount), or for a named volume a fresh folder that takes the image's owner of `target`. */
  readonly source: string;
  readonly target: string;
  readonly readOnly?: boolean;
  readonly volume?: boolean;
}

/** A host folder seen through a copy-on-write layer: what the command writes or deletes stays in `scratch`. */
interface Overlay {
  readonly lower: string;
  readonly scratch: string;
}

function namespaceScript(s: ImageStage, etc: { passwd: string; group: string }, mounts: readonly Mount[], overlays: readonly Overlay[] = []): string {
  const workdir = s.workdir ?? '/';
  const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  const lines = [
    'set -e',
    `mkdir -p ${q(workdir)}`,
    `mount --bind ${q(s.root)} ${q(workdir)}`,
    `mount --bind ${q(etc.passwd)} /etc/passwd`,
    `mount --bind ${q(etc.group)} /etc/group`,
  ];
  for (const m of mounts) {
    lines.push(`mkdir -p ${q(m.target)}`, `mount --bind ${q(m.source)} ${q(m.target)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${q(m.target)}`);
  }
  for (const o of overlays) {
    const upper = `${o.scratch}/upper`;
    const work = `${o.scratch}/work`;
    lines.push(`mkdir -p ${q(o.lower)} ${q(upper)} ${q(work)}`, `mount -t overlay overlay -o ${q(`lowerdir=${o.lower},upperdir=${upper},workdir=${work}`)} ${q(o.lower)}`);
  }
  lines.push(`cd ${q(workdir)}`, 'exec "$@"');
  return lines.join('\n');
}

/**
 * How this machine reaches the npm registry (its CA bundle, npm's global config): a property of the
 * network, not of the image, so RUN lines get it as a Docker build would get its host's network.
 */
function hostNetworkEnv(): Record<string, string> {
  const passed = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'];
  const env: Record<string, string> = Object.fromEntries(passed.flatMap((k) => (process.env[k] ? [[k, process.env[k] ?? '']] : [])));
  // npm looks for its global config beside the node that runs it; the Node 24 stand-in lives elsewhere.
  env.npm_config_globalconfig = globalNpmConfig;
  return env;
}

const globalNpmConfig = execFileSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

/** Runs a command with the stage's tree at its WORKDIR, as its USER when `asUser` is set. */
function spawnInTree(
  s: ImageStage,
  etc: { passwd: string; group: string },
  nodeBinDir: string,
  command: readonly string[],
  extra: { env?: Record<string, string>; mounts?: readonly Mount[]; overlays?: readonly Overlay[]; asUser?: boolean } = {},
): ChildProcess {
  const user = extra.asUser && s.user && s.user !== 'root' ? ['setpriv', `--reuid=${s.user}`, `--regid=${s.user}`, '--init-groups', '--'] : [];
  const env = {
    ...hostNetworkEnv(),
    PATH: `${nodeBinDir}:/usr/local/bin:/usr/bin:/bin`,
    HOME: extra.asUser && s.user === 'node' ? '/tmp' : (process.env.HOME ?? '/root'),
    ...s.env,
    ...extra.env,
  };
  return spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', namespaceScript(s, etc, extra.mounts ?? [], extra.overlays ?? []), 'sh', ...user, ...command], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A RUN line. npm's cache is the host's, seen through a copy-on-write layer: the build starts from what
 * this machine already downloaded, and its `npm cache clean` empties only its own layer, never the cache
 * other processes on the machine are using.
 */
async function runInTree(s: ImageStage, etc: { passwd: string; group: string }, nodeBinDir: string, command: readonly string[], scratch: string): Promise<void> {
  const npmCache = join(process.env.HOME ?? '/root', '.npm');
  const child = spawnInTree(s, etc, nodeBinDir, command, { overlays: [{ lower: npmCache, scratch }] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`exit ${code}: ${output.join('').slice(-4000)}`);
}

/** The image's CMD as its USER, with the environment and mounts a compose file would give it. */
export async function startImage(
  image: BuiltImage,
  nodeBinDir: string,
  options: { env: Record<string, string>; mounts: readonly Mount[] },
): Promise<ChildProcess> {
  const etcDir = dirname(image.stages[0]?.root ?? '');
  const etc = { passwd: join(etcDir, 'passwd'), group: join(etcDir, 'group') };
  const cmd = image.final.cmd;
  if (!cmd) throw new Error('Dockerfile: the final stage has no CMD');
  // Docker initialises a new named volume from the image's folder, owner included.
  for (const m of options.mounts.filter((v) => v.volume)) {
    const inImage = await stat(join(image.final.root, relative(image.final.workdir ?? '/', m.target))).catch(() => undefined);
    if (inImage) await run('chown', [`${inImage.uid}:${inImage.gid}`, m.source]);
  }
  return spawnInTree(image.final, etc, nodeBinDir, cmd, { env: options.env, mounts: options.mounts, asUser: true });
}
