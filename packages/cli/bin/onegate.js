#!/usr/bin/env node
// Runs the TypeScript source directly (Node 24 strips types); pnpm puts Node 24 first on PATH.
import '../src/main.ts';
