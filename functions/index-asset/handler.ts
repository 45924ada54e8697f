/** Lambda entry of the `index` step: see functions/core/steps/index-asset.ts. */

import { indexAsset } from "../core/steps/index-asset.js";
import { eventsFrom, providersFrom, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("index", indexAsset, (env) => ({
  store: storeFrom(env),
  providers: providersFrom(env),
  events: eventsFrom(env),
  maxIndexPolls: env.MAX_INDEX_POLLS,
}));
