/** Lambda entry of the `admit` step: see functions/core/steps/admit.ts. */

import { admit } from "../core/steps/admit.js";
import { providersFrom, s3Client, storeFrom } from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("admit", admit, (env) => ({
  store: storeFrom(env),
  s3: s3Client(),
  providers: providersFrom(env),
  routes: env.ROUTES,
}));
