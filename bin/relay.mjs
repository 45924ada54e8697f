#!/usr/bin/env node
// The `relay` CLI: runs cli/main.ts through tsx's loader, so no build step stands between a
// clean clone (after `npm ci`) and the command. See `relay --help`.
import { register } from "tsx/esm/api";

register();
await import(new URL("../cli/main.ts", import.meta.url).href);
