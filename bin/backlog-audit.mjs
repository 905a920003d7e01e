#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript CLI runs directly on Node 20+.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
