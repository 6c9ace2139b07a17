#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on load so the package needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
