/** Lambda entry of the `start` step: see functions/core/steps/start.ts. */

import { start } from "../core/steps/start.js";
import { sfnClient } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("start", start, (env) => ({
  sfn: sfnClient(),
  stateMachineArn: env.STATE_MACHINE_ARN,
}));
