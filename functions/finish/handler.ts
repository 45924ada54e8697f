/** Lambda entry of the `finish` step: see functions/core/steps/finish.ts. */

import { finish } from "../core/steps/finish.js";
import { eventsFrom, slotsFrom, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("finish", finish, (env) => ({
  store: storeFrom(env),
  slots: slotsFrom(env),
  events: eventsFrom(env),
}));
