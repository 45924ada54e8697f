/** Lambda entry of the `acquire-slot` step: see functions/core/steps/acquire-slot.ts. */

import { acquireSlot } from "../core/steps/acquire-slot.js";
import { slotsFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("acquire-slot", acquireSlot, (env) => ({
  slots: slotsFrom(env),
}));
