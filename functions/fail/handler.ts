/** Lambda entry of the `fail` step: see functions/core/steps/fail.ts. */

import { fail } from "../core/steps/fail.js";
import { eventsFrom, providersFrom, slotsFrom, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("fail", fail, (env) => ({
  store: storeFrom(env),
  slots: slotsFrom(env),
  events: eventsFrom(env),
  providers: providersFrom(env),
}));
