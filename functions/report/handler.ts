/** Lambda entry of the `report` step: see functions/core/steps/report.ts. */

import { report } from "../core/steps/report.js";
import { providersFrom, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("report", report, (env) => ({
  store: storeFrom(env),
  providers: providersFrom(env),
}));
