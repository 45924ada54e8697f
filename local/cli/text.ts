/** Units and wording of the CLIs: shared with the `relay` CLI, which owns them (`cli/text.ts`). */

export { MiB, messageOf, mib, scrubberOf } from "../../cli/text.js";
