/** Lambda entry of the `transfer` step: see functions/core/steps/transfer.ts. */

import { transfer } from "../core/steps/transfer.js";
import { defaultStepDeps } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("transfer", transfer, defaultStepDeps);
