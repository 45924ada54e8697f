/** Lambda entry of the `poll` step: see functions/core/steps/poll.ts. */

import { poll } from "../core/steps/poll.js";
import { providersFrom, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("poll", poll, (env) => ({
  store: storeFrom(env),
  providers: providersFrom(env),
  settings: { chunksPerBatch: env.CHUNKS_PER_BATCH, maxPolls: env.MAX_POLLS },
}));
