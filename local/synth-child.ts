/**
 * Entry of the synthesis child (`node --import tsx local/synth-child.ts`): reads
 * `{context}` on stdin, synthesizes the relay's cloud assembly (bundles included) and prints
 * `{template, directory}` as its last stdout line. The directory stays for the parent.
 */

import { synthRelayAssembly } from "../infra/synth-template.js";

let input = "";
for await (const piece of process.stdin) input += piece.toString();
const { context } = JSON.parse(input) as { context: Record<string, unknown> };
const assembly = synthRelayAssembly({ context });
process.stdout.write(
  `\n${JSON.stringify({ template: assembly.template, directory: assembly.directory })}\n`,
);
