/** Lambda entry of the `poll` step: see functions/core/steps/poll.ts. */

import { poll } from "../core/steps/poll.js";
import { defaultStepDeps } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("poll", poll, defaultStepDeps);
