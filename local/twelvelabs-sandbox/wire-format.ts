/** Shapes shared by several answers of the API: RFC 3339 times and `page_info` pagination. */

/** RFC 3339 UTC time to the second ("YYYY-MM-DDTHH:mm:ssZ"), as the API writes it. */
export function rfc3339(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `page_info` of a paginated answer. */
export interface PageInfo {
  readonly limit_per_page: number;
  readonly page: number;
  readonly total_page: number;
  readonly total_results: number;
}

/** One page of `items` (pages from 1) with its `page_info`; a page past the end is empty. */
export function paginate<T>(
  items: readonly T[],
  page: number,
  limit: number,
): { readonly data: T[]; readonly pageInfo: PageInfo } {
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
