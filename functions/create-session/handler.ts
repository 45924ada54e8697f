/** Lambda entry of the `create-session` step: see functions/core/steps/create-session.ts. */

import { createSession } from "../core/steps/create-session.js";
import { providersFrom, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("create-session", createSession, (env) => ({
  store: storeFrom(env),
  providers: providersFrom(env),
  settings: { chunksPerBatch: env.CHUNKS_PER_BATCH },
}));
