/** Lambda entry of the `transfer` step: see functions/core/steps/transfer.ts. */

import { transfer } from "../core/steps/transfer.js";
import {
  providersFrom,
  s3Client,
  storeFrom,
  URL_REFRESH_MARGIN_MS,
} from "../runtime/default-deps.js";
import { stepHandler } from "../runtime/lambda-handler.js";

/** `makeHandler(deps)` binds the step to explicit clients; `handler` is the Lambda entry. */
export const { makeHandler, handler } = stepHandler("transfer", transfer, (env) => ({
  store: storeFrom(env),
  providers: providersFrom(env),
  s3: s3Client(),
  settings: {
    transferConcurrency: env.TRANSFER_CONCURRENCY,
    verifyEtag: env.VERIFY_ETAG,
    urlRefreshMarginMs: URL_REFRESH_MARGIN_MS,
  },
}));
