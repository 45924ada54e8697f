/** Shapes shared by several answers of the API: RFC 3339 times and `page_info` pagination. */

import type { DocumentedPageInfo } from "../../functions/core/providers/twelvelabs/twelvelabs-documented-answers.js";

/**
 * RFC 3339 UTC time to the second ("YYYY-MM-DDTHH:mm:ssZ"), as the API writes it: the form
 * `DocumentedTimeSchema` holds the answers to.
 */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** One page of `items` (pages from 1) with its `page_info`; a page past the end is empty. */
export function paginate<T>(
  items: readonly T[],
  page: number,
  limit: number,
): { readonly data: T[]; readonly pageInfo: DocumentedPageInfo } {
  const start = (page - 1) * limit;
  return {
    data: items.slice(start, start + limit),
    pageInfo: {
      limit_per_page: limit,
      page,
      total_page: Math.ceil(items.length / limit),
      total_results: items.length,
    },
  };
}
